"""What every part of the technician app's state stands on: the offline queue and its
cache, the API client and the signed-in technician (with the web build's folder per
technician), the feature stores and their flushing, notices, values derived from the
cached orders, and ``_guard``, the way every online-only call is made (it tracks the
connection and the features this server lacks, and turns refusals into notices).

The parts (``account``, ``loading``, ``field_work`` ...) are mixins of
:class:`TechnicianCore`; :class:`technician_app.state.TechnicianState` composes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from client import geo
from client.api import ApiError, DoorstepClient, NetworkError, Session
from client.error_texts import error_text
from client.layout import layout_for
from client.models import (
    AnalyticsRead,
    EarningsRead,
    FollowUpRead,
    KnowledgeArticle,
    KnowledgeSummary,
    OrderRead,
    ProfileRead,
    ServiceRead,
    UserRead,
)
from client.position import Locate
from client.store import Store, StoreSet
from technician_app import navigation
from technician_app.i18n import language, t
from technician_app.notifier import Notifier, SilentNotifier
from technician_app.offline import OfflineQueue, QueuedAction
from technician_app.state.model import Notice, in_group, todays_jobs
from technician_app.state.stores import LiveStore, MeStore, SessionStore, SyncStore, WorkStore

log = logging.getLogger("technician_app")

DEFAULT_SERVER_URL = "http://127.0.0.1:8000"
DEFAULT_LOCATION_INTERVAL = 10.0  # seconds, on the way to a job
DEFAULT_IDLE_LOCATION_INTERVAL = 60.0  # seconds, online and waiting for orders
MIN_LOCATION_INTERVAL = 2.0  # the server takes 30 location posts a minute


def _interval(seconds: float | None) -> float:
    """A reporting interval: 0 (or None) means off; otherwise at least what the server's
    rate limit allows."""
    if not seconds or seconds <= 0:
        return 0.0
    return max(MIN_LOCATION_INTERVAL, float(seconds))


class TechnicianCore:
    """The stores, the queue, the client and what is derived from the cached orders."""

    def __init__(
        self,
        server_url: str = DEFAULT_SERVER_URL,
        data_dir: Path | str = Path("."),
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        location: tuple[float, float] | None = None,
        now: Callable[[], datetime] | None = None,
        poll_interval: float = 3.0,
        use_feed: bool = True,
        persist_session: bool = True,
        location_interval: float = DEFAULT_LOCATION_INTERVAL,
        idle_location_interval: float = DEFAULT_IDLE_LOCATION_INTERVAL,
        locate: Locate | None = None,
    ) -> None:
        """``persist_session=False`` (the web build): no saved login is restored and
        the queue lives per technician, opened at sign-in. Location intervals are in
        seconds (0 turns that kind of reporting off). ``locate`` reads the device's
        position (``client.device``); a fixed ``location`` without it is the developer
        override (a desktop with no GPS)."""
        self.server_url = server_url
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.persist_session = persist_session
        self.queue = (
            OfflineQueue(self.data_dir / "technician.sqlite3")
            if persist_session
            else OfflineQueue(None)  # nobody signed in yet: nothing of anyone's on disk
        )
        self._transport = transport
        self._now = now or (lambda: datetime.now(UTC))
        self.poll_interval = poll_interval
        self.use_feed = use_feed
        self.location_interval = _interval(location_interval)
        self.idle_location_interval = _interval(idle_location_interval)
        session = Session.from_dict(self.queue.cache_get("session"))
        self.client = self._make_client(server_url, session)

        self.session = SessionStore(language(None))
        self.me = MeStore()
        self.work = WorkStore()
        self.sync_state = SyncStore()
        self.live = LiveStore()
        self.live.location = location
        self.live.location_fixed = location is not None and locate is None  # developer's
        self.locate = locate
        self._pool_asks = 0  # pool loads asked so far: a reply older than the newest is dropped
        self._load_cached()
        self.stores = StoreSet([self.session, self.me, self.work, self.sync_state, self.live])
        # urgent alerts beyond the screen (state/alerts.py): where they go, whether the app
        # is in front and on which screen, and what was alerted already
        self.notifier: Notifier = SilentNotifier()
        self.foreground = True
        self.shown_route: Callable[[], str | None] = lambda: "/"  # the page's route
        self._alerted: dict[str, None] = {}
        self._live_task: asyncio.Task | None = None
        self._feed: Any = None
        self._feed_task: asyncio.Task | None = None
        self._location_task: asyncio.Task | None = None
        self._last_location_report: float | None = None  # event-loop time
        self._wake: asyncio.Event | None = None
        self._sync_lock = asyncio.Lock()

    # -- plumbing -----------------------------------------------------------------------

    def _load_cached(self) -> None:
        """What the queue's cache remembers (the day's jobs stay visible offline). The
        language is the technician's choice on this device; a queue that never stored
        one (the web build's, opened at sign-in) keeps the language already shown."""
        cache = self.queue
        cache.on_change = self.sync_state.touch  # its actions are what the sync store shows
        self.sync_state.touch()
        self.session.lang = language(cache.cache_get("lang") or self.session.lang)
        me, work = self.me, self.work
        me.profile = cache.cached_model("profile", ProfileRead)
        me.verification = me.profile.verification_status if me.profile else "unknown"
        work.orders = cache.cached_models("orders", OrderRead)
        me.earnings = cache.cached_model("earnings", EarningsRead)
        me.earnings_period = cache.cache_get("earnings_period") or "day"
        me.earned_today = (
            me.earnings.earned if me.earnings and me.earnings_period == "day" else None
        )
        work.services = cache.cached_models("services", ServiceRead)
        me.analytics = cache.cached_model("analytics", AnalyticsRead)
        work.customer_records = {}  # by order id
        work.follow_ups = sorted(
            cache.cached_models("follow_ups", FollowUpRead).values(),
            key=lambda f: (f.remind_on, f.order_id),
        )
        me.analytics_by = me.analytics.by if me.analytics else "day"
        # 知识库 (state/knowledge.py): the list and the articles kept for offline reading
        me.knowledge = list(cache.cached_models("knowledge", KnowledgeSummary).values())
        me.articles = cache.cached_models("knowledge_articles", KnowledgeArticle)
        # 培训 (state/training.py): online only, the server's record
        me.training, me.courses_open, me.quiz_choices, me.quiz_results = None, {}, {}, {}

    def _cache_orders(self) -> None:
        self.queue.cache_models("orders", self.work.orders)

    def user_data_dir(self, user_id: str) -> Path:
        """The web build's folder for one technician's queue and cache."""
        safe = "".join(ch for ch in user_id if ch.isalnum() or ch in "-_") or "unknown"
        return self.data_dir / "users" / safe

    def _bind_user(self) -> None:
        """Web build: after sign-in, open this technician's own queue (their offline
        actions from an earlier session are replayed; nobody else's ever are)."""
        user_id = self.client.session.user_id
        if self.persist_session or not user_id:
            return
        path = self.user_data_dir(user_id) / "technician.sqlite3"
        if self.queue.path == path:
            return
        old, self.queue = self.queue, OfflineQueue(path)
        old.close()
        self._load_cached()

    def _unbind_user(self) -> None:
        if self.persist_session:
            return
        old, self.queue = self.queue, OfflineQueue(None)
        old.close()
        self._load_cached()

    def _make_client(self, server_url: str, session: Session) -> DoorstepClient:
        return DoorstepClient(
            server_url,
            transport=self._transport,
            session=session,
            on_session_change=self._save_session,
        )

    def _save_session(self, session: Session) -> None:
        if self.persist_session:  # one device, one technician; a web server serves many
            self.queue.cache_set("session", session.to_dict())

    def use_transport(
        self, transport: httpx.AsyncBaseTransport | None, server_url: str | None = None
    ) -> None:
        """Swap the network path (tests simulate losing and regaining signal this way)."""
        old = self.client
        self._transport = transport
        self.server_url = server_url or self.server_url
        self.client = self._make_client(self.server_url, old.session)
        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().create_task(old.aclose())

    def subscribe(
        self, listener: Callable[[], None], stores: Iterable[str] | None = None
    ) -> Callable[[], None]:
        """``listener`` after each step that changed one of ``stores`` (all if None)."""
        return self.stores.subscribe(listener, stores)

    def changed(self, *touched: Store) -> None:
        """The end of a step: tell the screens of every store it changed. ``touched``
        are stores changed in place (an order's list appended to, the queue)."""
        self.stores.flush(*touched)

    def set_screen_width(self, width: float | None) -> None:
        """Re-render when the window crosses into another layout."""
        before = layout_for(self.session.screen_width)
        self.session.screen_width = width
        if layout_for(width) != before:
            self.changed()

    def set_language(self, lang: str) -> None:
        """The technician's language (zh or en), kept on the device for next time."""
        self.session.lang = language(lang)
        self.queue.cache_set("lang", self.session.lang)
        self.changed()

    def notify(
        self, text: str, kind: str = "info", code: str | None = None, route: str | None = None
    ) -> None:
        """A notice on the status strip; with a ``route``, an open button to that screen."""
        self.session.notices.append(Notice(text, kind, code, route))
        del self.session.notices[:-20]
        self.session.touch()
        self.changed()

    def dismiss_notices(self) -> None:
        """The status strip's 知道了: its notices leave every screen."""
        self.session.notices.clear()
        self.changed(self.session)

    def now(self) -> datetime:
        return self._now()

    # -- derived values -----------------------------------------------------------------

    @property
    def signed_in(self) -> bool:
        return self.client.session.signed_in

    @property
    def user(self) -> UserRead | None:
        return self.client.session.user

    @property
    def verified(self) -> bool:
        return self.me.verification in ("verified", "approved") or (
            self.me.verification == "unknown" and "profile" in self.session.unavailable
        )

    @property
    def pending_actions(self) -> list[QueuedAction]:
        return self.queue.pending()

    @property
    def waiting_actions(self) -> list[QueuedAction]:
        """What the banner and the home count as 待同步: the technician's own actions that
        have not reached the server. Position reports are not his to worry about; and
        with signal, an action being sent right now is not waiting: only one a send
        has already failed for is."""
        mine = [a for a in self.queue.pending() if a.kind != "location"]
        return mine if not self.sync_state.connected else [a for a in mine if a.attempts > 0]

    @property
    def rejections(self) -> list[QueuedAction]:
        return self.queue.rejected()

    def order(self, order_id: str) -> OrderRead | None:
        return self.work.orders.get(order_id)

    def active_orders(self) -> list[OrderRead]:
        active = [o for o in self.work.orders.values() if in_group(o, "assigned")]
        return sorted(active, key=lambda o: o.scheduled_start)

    def pending_for(self, order_id: str) -> list[QueuedAction]:
        return [a for a in self.queue.pending() if a.order_id == order_id]

    def distance_to(self, order: OrderRead) -> float | None:
        if self.live.location is None or order.lat is None or order.lng is None:
            return None
        return geo.haversine_m(*self.live.location, order.lat, order.lng)

    def schedule(self) -> list[dict[str, Any]]:
        """Today's jobs (the city's today: :func:`~technician_app.state.model.todays_jobs`,
        never tomorrow's) in route order with travel ETAs chained from where I am."""
        rows: list[dict[str, Any]] = []
        here = self.live.location
        clock = self.now()
        for index, order in enumerate(todays_jobs(self.active_orders(), clock), start=1):
            start = order.scheduled_start
            travel = None
            if here and order.lat is not None and order.lng is not None:
                travel = navigation.eta_minutes(geo.haversine_m(*here, order.lat, order.lng))
                here = (order.lat, order.lng)
            arrival = clock + timedelta(minutes=travel) if travel is not None else None
            rows.append(
                {
                    "seq": index,
                    "order": order,
                    "travel_minutes": travel,
                    "eta": arrival,
                    "scheduled_start": start,
                    "late": arrival is not None and arrival > start,
                }
            )
            clock = max(clock, order.scheduled_end)
        return rows

    def earnings_today(self) -> int | None:
        return self.me.earned_today

    # -- calls that need the server -----------------------------------------------------

    async def _guard(self, coro, *, feature: str | None = None, quiet: bool = False):  # noqa: ANN001, ANN202
        """Run one online-only call; track connectivity and missing endpoints."""
        try:
            result = await coro
        except NetworkError:
            self._set_connected(False)
            if not quiet:
                self.notify(t(self.session.lang, "notice.offline"), "error", "offline")
            return None
        except ApiError as exc:
            self._set_connected(True)
            if exc.status == 404 and exc.code == "not_found" and feature:
                self.session.unavailable.add(feature)
                self.session.touch()
                return None
            if not quiet:
                text = error_text(
                    exc.code, self.session.lang, status=exc.status, details=exc.details
                )
                self.notify(text, "error", exc.code)
            return None
        self._set_connected(True)
        if feature in self.session.unavailable:  # it is back
            self.session.unavailable.discard(feature)
            self.session.touch()
        return result

    def _set_connected(self, value: bool) -> None:
        if self.sync_state.connected != value:
            self.sync_state.connected = value
            if value:  # "no network" is no longer true
                self.session.notices[:] = [n for n in self.session.notices if n.code != "offline"]
                self.session.touch()
            self.changed()
