"""What every part of the technician app's state stands on: the offline queue and its
cache, the API client and the signed-in technician (with the web build's folder per
technician), change notification and notices, values derived from the cached orders,
and ``_guard``, the way every online-only call is made (it tracks the connection and
the features this server lacks, and turns refusals into notices).

The parts (``account``, ``loading``, ``field_work`` ...) are mixins of
:class:`TechnicianCore`; :class:`technician_app.state.TechnicianState` composes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
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
    CertificateRead,
    ChangeRequestRead,
    ChatRead,
    ComplaintRead,
    CourseRead,
    CustomerNoteRead,
    DelayRequestRead,
    EarningsRead,
    FollowUpRead,
    KnowledgeArticle,
    KnowledgeSummary,
    NotificationRead,
    OrderRead,
    PoliciesRead,
    ProfileRead,
    QuizResult,
    ReviewRead,
    ServiceRead,
    TrainingRead,
    UserRead,
)
from client.position import Locate
from technician_app import navigation
from technician_app.i18n import language, t
from technician_app.notifier import Notifier, SilentNotifier
from technician_app.offline import OfflineQueue, QueuedAction
from technician_app.state.model import Notice, Offer, UnsentMessage, in_group, todays_jobs

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
    """The queue, the client, the listeners and what is derived from the cached orders."""

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

        self.connected = True
        self.working = False  # online for orders (the technician's toggle)
        self.location: tuple[float, float] | None = location
        self.locate = locate
        self.location_fixed = location is not None and locate is None  # the developer override
        self.location_problem: str | None = None  # why the device gave none, until it does
        self.offers: list[Offer] = []
        self.pool: list[Offer] = []
        self._pool_asks = 0  # pool loads asked so far: a reply older than the newest is dropped
        self.certificates: list[CertificateRead] = []
        self._load_cached()
        self.payouts: list[dict[str, Any]] = []
        self.reviews: list[ReviewRead] = []
        self.complaints: list[ComplaintRead] = []
        self.messages: dict[str, list[ChatRead | UnsentMessage]] = {}
        self.change_requests: dict[str, list[ChangeRequestRead]] = {}
        self.delay_requests: dict[str, list[DelayRequestRead]] = {}  # 改约, by order
        # the photos taken on this device, by (order id, SOP step), shown beside each step
        self.step_photos: dict[tuple[str, int], bytes] = {}
        self.policies: PoliciesRead | None = None  # the agreements signed up under
        self.unavailable: set[str] = set()  # features this server does not offer (yet)
        self.notices: list[Notice] = []
        self.inbox: list[NotificationRead] = []  # the server's notifications, newest first
        self.inbox_unread = 0
        self.inbox_loaded = False
        self.busy = False
        # urgent alerts beyond the screen (state/alerts.py): where they go, whether the app
        # is in front and on which screen, and what was alerted already
        self.notifier: Notifier = SilentNotifier()
        self.foreground = True
        self.shown_route: Callable[[], str | None] = lambda: "/"  # the page's route
        self._alerted: dict[str, None] = {}
        self._listeners: list[Callable[[], None]] = []
        self._live_task: asyncio.Task | None = None
        self._feed: Any = None
        self._feed_task: asyncio.Task | None = None
        self._location_task: asyncio.Task | None = None
        self._last_location_report: float | None = None  # event-loop time
        self.live_rounds = 0  # background refreshes done (the poll: the feed's fallback)
        self._wake: asyncio.Event | None = None
        self._sync_lock = asyncio.Lock()

    # -- plumbing -----------------------------------------------------------------------

    def _load_cached(self) -> None:
        """What the queue's cache remembers (the day's jobs stay visible offline). The
        language is the technician's choice on this device; a queue that never stored
        one (the web build's, opened at sign-in) keeps the language already shown."""
        self.lang: str = language(self.queue.cache_get("lang") or getattr(self, "lang", None))
        self.profile: ProfileRead | None = self.queue.cached_model("profile", ProfileRead)
        self.verification: str = self.profile.verification_status if self.profile else "unknown"
        self.orders: dict[str, OrderRead] = self.queue.cached_models("orders", OrderRead)
        self.earnings: EarningsRead | None = self.queue.cached_model("earnings", EarningsRead)
        self.earnings_period: str = self.queue.cache_get("earnings_period") or "day"
        self.earned_today: int | None = (
            self.earnings.earned if self.earnings and self.earnings_period == "day" else None
        )
        self.services: dict[str, ServiceRead] = self.queue.cached_models("services", ServiceRead)
        self.analytics: AnalyticsRead | None = self.queue.cached_model("analytics", AnalyticsRead)
        self.customer_records: dict[str, CustomerNoteRead] = {}  # by order id
        self.follow_ups: list[FollowUpRead] = sorted(
            self.queue.cached_models("follow_ups", FollowUpRead).values(),
            key=lambda f: (f.remind_on, f.order_id),
        )
        self.analytics_by: str = self.analytics.by if self.analytics else "day"
        # 知识库 (state/knowledge.py): the list and the articles kept for offline reading
        kept = self.queue.cached_models("knowledge", KnowledgeSummary)
        self.knowledge: list[KnowledgeSummary] = list(kept.values())
        self.articles: dict[str, KnowledgeArticle] = self.queue.cached_models(
            "knowledge_articles", KnowledgeArticle
        )
        # 培训 (state/training.py): online only, the server's record
        self.training: TrainingRead | None = None
        self.courses_open: dict[str, CourseRead] = {}
        self.quiz_choices: dict[str, dict[int, int]] = {}  # course -> question -> choice
        self.quiz_results: dict[str, QuizResult] = {}

    def _cache_orders(self) -> None:
        self.queue.cache_models("orders", self.orders)

    def user_data_dir(self, user_id: str) -> Path:
        """The web build's folder for one technician's queue and cache."""
        safe = "".join(ch for ch in user_id if ch.isalnum() or ch in "-_") or "unknown"
        return self.data_dir / "users" / safe

    def _bind_user(self) -> None:
        """Web build: after sign-in, open this technician's own queue (their offline
        actions from an earlier session are replayed; nobody else's ever are)."""
        user_id = self.session.user_id
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

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def changed(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:  # a broken screen must not break the state
                log.exception("state listener failed")

    screen_width: float | None = None  # the window's width: phone, tablet or desktop layout

    def set_screen_width(self, width: float | None) -> None:
        """Re-render when the window crosses into another layout."""
        before = layout_for(self.screen_width)
        self.screen_width = width
        if layout_for(width) != before:
            self.changed()

    def set_language(self, lang: str) -> None:
        """The technician's language (zh or en), kept on the device for next time."""
        self.lang = language(lang)
        self.queue.cache_set("lang", self.lang)
        self.changed()

    def notify(
        self, text: str, kind: str = "info", code: str | None = None, route: str | None = None
    ) -> None:
        """A notice on the status strip; with a ``route``, an open button to that screen."""
        self.notices.append(Notice(text, kind, code, route))
        del self.notices[:-20]
        self.changed()

    def now(self) -> datetime:
        return self._now()

    # -- derived values -----------------------------------------------------------------

    @property
    def session(self) -> Session:
        return self.client.session

    @property
    def signed_in(self) -> bool:
        return self.client.session.signed_in

    @property
    def user(self) -> UserRead | None:
        return self.client.session.user

    @property
    def verified(self) -> bool:
        return self.verification in ("verified", "approved") or (
            self.verification == "unknown" and "profile" in self.unavailable
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
        return mine if not self.connected else [a for a in mine if a.attempts > 0]

    @property
    def rejections(self) -> list[QueuedAction]:
        return self.queue.rejected()

    def order(self, order_id: str) -> OrderRead | None:
        return self.orders.get(order_id)

    def active_orders(self) -> list[OrderRead]:
        active = [o for o in self.orders.values() if in_group(o, "assigned")]
        return sorted(active, key=lambda o: o.scheduled_start)

    def pending_for(self, order_id: str) -> list[QueuedAction]:
        return [a for a in self.queue.pending() if a.order_id == order_id]

    def distance_to(self, order: OrderRead) -> float | None:
        if self.location is None or order.lat is None or order.lng is None:
            return None
        return geo.haversine_m(*self.location, order.lat, order.lng)

    def schedule(self) -> list[dict[str, Any]]:
        """Today's jobs (the city's today: :func:`~technician_app.state.model.todays_jobs`,
        never tomorrow's) in route order with travel ETAs chained from where I am."""
        rows: list[dict[str, Any]] = []
        here = self.location
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
        return self.earned_today

    # -- calls that need the server -----------------------------------------------------

    async def _guard(self, coro, *, feature: str | None = None, quiet: bool = False):  # noqa: ANN001, ANN202
        """Run one online-only call; track connectivity and missing endpoints."""
        try:
            result = await coro
        except NetworkError:
            self._set_connected(False)
            if not quiet:
                self.notify(t(self.lang, "notice.offline"), "error", "offline")
            return None
        except ApiError as exc:
            self._set_connected(True)
            if exc.status == 404 and exc.code == "not_found" and feature:
                self.unavailable.add(feature)
                return None
            if not quiet:
                text = error_text(exc.code, self.lang, status=exc.status, details=exc.details)
                self.notify(text, "error", exc.code)
            return None
        self._set_connected(True)
        if feature:
            self.unavailable.discard(feature)
        return result

    def _set_connected(self, value: bool) -> None:
        if self.connected != value:
            self.connected = value
            if value:  # "no network" is no longer true
                self.notices[:] = [n for n in self.notices if n.code != "offline"]
            self.changed()
