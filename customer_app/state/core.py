"""What every part of the customer app's state stands on: the attributes the screens
read, change notification, the two ways of calling the server (``_run`` records the
error for the screen and raises, ``_try`` keeps quiet for optional panels), and
navigation with its sign-in guard.

The parts (``account``, ``browse``, ``order_page`` ...) are mixins of :class:`StateCore`;
:class:`customer_app.state.CustomerState` composes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from client.api import ApiError, DoorstepClient, NetworkError, Session
from client.error_texts import error_fields, error_text
from client.i18n import LANGS, language
from client.layout import layout_for
from client.models import (
    CancellationQuoteRead,
    CatalogTermRead,
    CategoryNode,
    ChangeRequestRead,
    ChatRead,
    ComplaintRead,
    ContactRead,
    CouponRead,
    DelayRequestRead,
    InvoiceRead,
    MallItemRead,
    MallRedemptionRead,
    MembershipRead,
    NotificationRead,
    OrderEventRead,
    OrderRead,
    PaymentRead,
    PlaceRead,
    PublicTechnicianRead,
    QuoteRead,
    RecommendationRead,
    ReviewRead,
    SeasonRead,
    ServiceRead,
    ServiceSummary,
    UserRead,
)
from client.position import Locate
from customer_app.model import JSON, BookingDraft, Slot
from customer_app.state.store import FileSessionKeeper, LocalStore, SessionKeeper
from customer_app.state.tracking import Tracking

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
        self._listeners: list[Callable[[], None]] = []
        self._feed: Any = None
        self._feed_task: asyncio.Task | None = None
        self.feed_restart_delay = 1.0  # seconds before a feed that gave up is started again
        self.feed_restarts = 0

        self.lang: str = language(self.store.get("lang"))
        self.route: str = "/"
        self.history: list[str] = []
        # set once ``start`` has restored a saved session: a screen opened by its address
        # (``routes``) waits for it
        self.started = asyncio.Event()
        self.busy: bool = False
        self.error: str | None = None
        self.notice: str | None = None
        self.missing: set[str] = set()

        self.user: UserRead | None = None
        self.categories: list[CategoryNode] = []
        self.query: str = ""
        self.filters: dict[str, str] = {"duration": "any", "gender": "any", "level": "any"}
        self.results: list[ServiceSummary] | None = None
        # group (repeat, seasonal, nearby, popular) -> the server's picks with reasons
        self.recommendations: dict[str, list[RecommendationRead]] = {}
        self.seasons: list[SeasonRead] = []  # in force today (the seasonal title names it)

        self.service: ServiceRead | None = None
        self.service_reviews: list[ReviewRead] = []
        self.service_technicians: list[PublicTechnicianRead] = []
        self.technician: PublicTechnicianRead | None = None
        self.technician_reviews: list[ReviewRead] = []
        self.technician_photo: bytes | None = None
        self.skill_terms: dict[str, CatalogTermRead] = {}  # the catalog's skills by code

        self.draft: BookingDraft | None = None
        self.slots: list[Slot] = []
        self.slots_from_server: bool = False
        self.quote: QuoteRead | None = None
        self.coupons: list[CouponRead] = []
        self.points: JSON | None = None  # {"balance": int, "value": {"block", "value"}}
        self.membership: MembershipRead | None = None

        self.order: OrderRead | None = None
        self.order_service: ServiceRead | None = None  # its rate card names extra work
        self.events: list[OrderEventRead] = []
        self.payment: PaymentRead | None = None
        self.tracking = Tracking()
        self.technician_card: PublicTechnicianRead | None = None
        self.change_requests: list[ChangeRequestRead] = []
        self.delay_requests: list[DelayRequestRead] = []  # the technician asks to move it
        self.contact: ContactRead | None = None
        self.cancel_quote: CancellationQuoteRead | None = None
        self.messages: list[ChatRead] = []
        self.support_messages: list[ChatRead] = []
        self.notices: list[NotificationRead] = []  # the inbox, newest first
        self.unread_notices: int = 0
        self.mall_items: list[MallItemRead] = []  # 积分商城
        self.mall_redemptions: list[MallRedemptionRead] = []  # the customer's exchanges
        self.feed_state: str = "idle"  # idle | live | reconnecting
        self.reviewed: bool = False
        self.my_review: ReviewRead | None = None  # the customer's review of the open order
        self.complaint: ComplaintRead | None = None

        self.orders: list[OrderRead] = []
        self.invoices: list[InvoiceRead] = []
        self.photos: dict[str, bytes] = {}
        # what the screens' inputs hold (text fields, open panels, star choices); plain
        # data, so tests can fill a form the same way a screen does
        self.form: JSON = {}
        self.place_hits: list[PlaceRead] = []  # address search suggestions
        self.picked_place: PlaceRead | None = None  # the suggestion chosen, door not yet typed

    async def _keep_session(self, session: Session) -> None:
        """Save the session where it outlives the app (nothing when signed out)."""
        if self.sessions is not None:
            await self.sessions.save(session.to_dict() if session.signed_in else None)

    # -- observation ----------------------------------------------------------------

    def subscribe(self, fn: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(fn)

        def dispose() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(fn)

        return dispose

    def _changed(self) -> None:
        for fn in list(self._listeners):
            try:
                fn()
            except Exception:  # a broken view must not break the state
                log.exception("state listener failed")

    async def _run(self, feature: str, call: Awaitable[Any], *, quiet_missing: bool = True) -> Any:
        """Await one server call; record errors for the screen instead of raising."""
        try:
            return await call
        except ApiError as exc:
            if _route_missing(exc):
                self.missing.add(feature)
                if not quiet_missing:
                    self.error = error_text("unavailable", self.lang)
                return None
            self.refused(exc.code, status=exc.status, details=exc.details)
            raise
        except NetworkError:
            self.error = error_text("network_error", self.lang)
            raise

    def refused(
        self, code: str, *, status: int | None = None, details: dict[str, Any] | None = None
    ) -> None:
        """A refusal in the customer's words, at the top and beside the fields it concerns."""
        self.error = error_text(code, self.lang, status=status, details=details)
        self.last_error_code = code
        self.field_errors = {name: self.error for name in error_fields(code, details)}

    async def _try(self, feature: str, call: Awaitable[Any], default: Any = None) -> Any:
        """Like ``_run`` but swallows API errors (optional panels on a screen): no
        error banner for a panel that simply has nothing to show."""
        before = (self.error, self.last_error_code, self.field_errors)
        try:
            result = await self._run(feature, call)
        except (ApiError, NetworkError) as exc:
            log.info("%s failed: %s", feature, exc)
            self.error, self.last_error_code, self.field_errors = before
            return default
        return default if result is None else result

    last_error_code: str | None = None
    field_errors: dict[str, str] = {}  # noqa: RUF012  (replaced, never changed in place)

    screen_width: float | None = None  # the window's width: which layout the screens take

    def set_screen_width(self, width: float | None) -> None:
        """Re-render when the window crosses into another layout (phone, tablet, desktop)."""
        before = layout_for(self.screen_width)
        self.screen_width = width
        if layout_for(width) != before:
            self._changed()

    def clear_messages(self) -> None:
        self.error = None
        self.notice = None
        self.last_error_code = None
        self.field_errors = {}

    # -- navigation -----------------------------------------------------------------

    def go(self, route: str) -> None:
        if route != self.route:
            self.history.append(self.route)
            self.route = route
        self.clear_messages()
        self._changed()

    def back(self) -> None:
        self.route = self.history.pop() if self.history else "/"
        self.clear_messages()
        self._changed()

    def set_lang(self, lang: str) -> None:
        self.lang = lang
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
            self.lang = str(kept["lang"])

    def set_form(self, key: str, value: Any) -> None:
        self.form[key] = value
        self._changed()

    # -- who is signed in -----------------------------------------------------------

    @property
    def signed_in(self) -> bool:
        return self.client.session.signed_in and self.user is not None

    def _uid(self) -> str:
        return self.user.id if self.user else "anonymous"

    _pending_route: str | None = None  # where to go once signed in (``account``)

    def require_login(self, route: str) -> bool:
        """Guard for screens that need an account: remember where to go after login."""
        if self.signed_in:
            return True
        self._pending_route = route
        self.go("/login")
        return False
