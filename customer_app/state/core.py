"""What every part of the customer app's state stands on: the feature stores the
screens read (:mod:`customer_app.state.stores`) and their flushing, the two ways of
calling the server (``_run`` records the error for the screen and raises, ``_try`` keeps
quiet for optional panels), and navigation with its sign-in guard.

The parts (``account``, ``browse``, ``order_page`` ...) are mixins of :class:`StateCore`;
:class:`customer_app.state.CustomerState` composes them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from client.api import ApiError, DoorstepClient, NetworkError, Session
from client.error_texts import error_fields, error_text, field_error_text
from client.i18n import LANGS, language
from client.layout import layout_for
from client.position import Locate
from client.store import Store, StoreSet
from customer_app.state.store import FileSessionKeeper, LocalStore, SessionKeeper
from customer_app.state.stores import (
    BookingStore,
    CatalogStore,
    MeStore,
    SessionStore,
    SupportStore,
    VisitStore,
)

log = logging.getLogger("customer_app.state")

FeedFactory = Callable[..., Any]


def _route_missing(exc: ApiError) -> bool:
    """True when the server has no such route (as opposed to a missing record)."""
    return (
        exc.status in (404, 405)
        and exc.code in ("http_404", "http_405", "not_found")
        and exc.message in ("Not Found", "Method Not Allowed")
    )


class StateCore:
    def __init__(
        self,
        client: DoorstepClient,
        *,
        store: LocalStore | None = None,
        now: Callable[[], datetime] | None = None,
        feed_factory: FeedFactory | None = None,
        persist_session: bool = True,
        sessions: SessionKeeper | None = None,
        locate: Locate | None = None,
        choices: SessionKeeper | None = None,
    ) -> None:
        self.client = client
        self.store = store or LocalStore(None)
        self.now = now or (lambda: datetime.now(UTC))
        self.feed_factory = feed_factory
        self.persist_session = persist_session
        # where the session outlives the app: given (a browser's storage), else the
        # install's file when this install is one person's
        self.sessions = sessions or (FileSessionKeeper(self.store) if persist_session else None)
        # where the customer's own choices (the language) outlive the app when the
        # install's file is not one person's: the web build's browser storage
        self.choices = choices
        self._saving: set[asyncio.Task[None]] = set()
        client.on_session_change = self._keep_session  # tokens rotate: keep the new ones
        self.locate = locate  # the device's position (customer_app.device), if it has one
        self._feed: Any = None
        self._feed_task: asyncio.Task | None = None
        self.feed_restart_delay = 1.0  # seconds before a feed that gave up is started again
        self.feed_restarts = 0

        self.session = SessionStore(language(self.store.get("lang")))
        self.catalog = CatalogStore()
        self.booking = BookingStore()
        self.visit = VisitStore()
        self.support = SupportStore()
        self.me = MeStore()
        self.stores = StoreSet(
            [self.session, self.catalog, self.booking, self.visit, self.support, self.me]
        )
        # set once ``start`` has restored a saved session: a screen opened by its address
        # (``routes``) waits for it
        self.started = asyncio.Event()

    async def _keep_session(self, session: Session) -> None:
        """Save the session where it outlives the app (nothing when signed out)."""
        if self.sessions is not None:
            await self.sessions.save(session.to_dict() if session.signed_in else None)

    # -- observation ----------------------------------------------------------------

    def subscribe(
        self, fn: Callable[[], None], stores: Iterable[str] | None = None
    ) -> Callable[[], None]:
        """``fn`` after each step that changed one of ``stores`` (by name; all if None)."""
        return self.stores.subscribe(fn, stores)

    def _changed(self, *touched: Store) -> None:
        """The end of a step: tell the screens of every store it changed. ``touched``
        are stores changed in place (a list appended to, a form field typed)."""
        self.stores.flush(*touched)

    async def _run(self, feature: str, call: Awaitable[Any], *, quiet_missing: bool = True) -> Any:
        """Await one server call; record errors for the screen instead of raising."""
        try:
            return await call
        except ApiError as exc:
            if _route_missing(exc):
                self.session.missing.add(feature)
                self.session.touch()
                if not quiet_missing:
                    self.session.error = error_text("unavailable", self.session.lang)
                return None
            self.refused(exc.code, status=exc.status, details=exc.details)
            raise
        except NetworkError:
            self.session.error = error_text("network_error", self.session.lang)
            raise

    def refused(
        self, code: str, *, status: int | None = None, details: dict[str, Any] | None = None
    ) -> None:
        """A refusal in the customer's words, at the top and beside the fields it concerns."""
        lang = self.session.lang
        self.session.error = error_text(code, lang, status=status, details=details)
        self.session.last_error_code = code
        self.session.field_errors = {
            name: field_error_text(code, name, lang, details)
            for name in error_fields(code, details)
        }

    async def _try(self, feature: str, call: Awaitable[Any], default: Any = None) -> Any:
        """Like ``_run`` but swallows API errors (optional panels on a screen): no
        error banner for a panel that simply has nothing to show."""
        before = (self.session.error, self.session.last_error_code, self.session.field_errors)
        try:
            result = await self._run(feature, call)
        except (ApiError, NetworkError) as exc:
            log.info("%s failed: %s", feature, exc)
            self.session.error, self.session.last_error_code, self.session.field_errors = before
            return default
        return default if result is None else result

    def set_screen_width(self, width: float | None) -> None:
        """Re-render when the window crosses into another layout (phone, tablet, desktop)."""
        before = layout_for(self.session.screen_width)
        self.session.screen_width = width
        if layout_for(width) != before:
            self._changed()

    def clear_messages(self) -> None:
        self.session.error = None
        self.session.notice = None
        self.session.last_error_code = None
        self.session.field_errors = {}

    # -- navigation -----------------------------------------------------------------

    def go(self, route: str) -> None:
        if route != self.session.route:
            self.session.history.append(self.session.route)
            self.session.route = route
        self.clear_messages()
        self._changed()

    def back(self) -> None:
        self.session.route = self.session.history.pop() if self.session.history else "/"
        self.clear_messages()
        self._changed()

    def set_lang(self, lang: str) -> None:
        self.session.lang = lang
        if self.persist_session:  # one install, one person; a web server serves many
            self.store.put("lang", lang)
        elif self.choices is not None:  # this browser's own storage
            saving = asyncio.get_running_loop().create_task(self.choices.save({"lang": lang}))
            self._saving.add(saving)
            saving.add_done_callback(self._saving.discard)
        self._changed()

    async def restore_choices(self) -> None:
        """The language this browser chose before (the web build)."""
        kept = await self.choices.load() if self.choices is not None else None
        if kept and kept.get("lang") in LANGS:
            self.session.lang = str(kept["lang"])

    def set_form(self, key: str, value: Any) -> None:
        self.session.put(key, value)
        self._changed()

    # -- who is signed in -----------------------------------------------------------

    @property
    def signed_in(self) -> bool:
        return self.client.session.signed_in and self.session.user is not None

    def _uid(self) -> str:
        return self.session.user.id if self.session.user else "anonymous"

    _pending_route: str | None = None  # where to go once signed in (``account``)

    def require_login(self, route: str) -> bool:
        """Guard for screens that need an account: remember where to go after login."""
        if self.signed_in:
            return True
        self._pending_route = route
        self.go("/login")
        return False
