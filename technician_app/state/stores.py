"""The technician app's data, one observable store per feature (:mod:`client.store`).

A screen subscribes to the stores it reads (``technician_app.context.use_app``); every
screen reads the session (language, notices, busy). The use cases that fill them are the
modules of :mod:`technician_app.state`; what is kept offline is reloaded into them from
the queue's cache (``TechnicianCore._load_cached``).
"""

from __future__ import annotations

from typing import Any

from client.models import (
    AnalyticsRead,
    CertificateRead,
    ChangeRequestRead,
    ChatRead,
    ComplaintRead,
    CourseRead,
    CustomerNoteRead,
    DelayRequestRead,
    DepositRead,
    EarningsRead,
    FollowUpRead,
    KnowledgeArticle,
    KnowledgeSummary,
    NotificationPreferencesRead,
    NotificationRead,
    OrderRead,
    PoliciesRead,
    ProfileRead,
    QuizResult,
    ReviewRead,
    ServiceRead,
    TrainingRead,
)
from client.store import Store
from technician_app.state.model import Notice, Offer, UnsentMessage


class SessionStore(Store):
    """The language, what the app says (notices on the status strip, busy), the layout,
    and what this server does not offer."""

    name = "session"

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang
        self.busy = False
        self.notices: list[Notice] = []
        self.unavailable: set[str] = set()  # features this server does not offer (yet)
        self.policies: PoliciesRead | None = None  # the agreements signed up under
        self.screen_width: float | None = None  # phone, tablet or desktop layout


class MeStore(Store):
    """The technician's own record: profile and verification, money (earnings, payouts,
    the deposit, analytics), ratings, learning (知识库, 培训) and 通知设置."""

    name = "me"

    def __init__(self) -> None:
        super().__init__()
        self.profile: ProfileRead | None = None
        self.verification = "unknown"
        self.certificates: list[CertificateRead] = []
        self.deposit: DepositRead | None = None  # the 保证金 screen's, as last loaded
        self.earnings: EarningsRead | None = None
        self.earnings_period = "day"
        self.earned_today: int | None = None
        self.payouts: list[dict[str, Any]] = []
        self.reviews: list[ReviewRead] = []
        self.complaints: list[ComplaintRead] = []
        self.analytics: AnalyticsRead | None = None
        self.analytics_by = "day"
        self.knowledge: list[KnowledgeSummary] = []
        self.knowledge_query = ""
        self.knowledge_found: list[KnowledgeSummary] | None = None  # the search's answer
        self.articles: dict[str, KnowledgeArticle] = {}  # kept for offline reading
        self.training: TrainingRead | None = None  # online only, the server's record
        self.courses_open: dict[str, CourseRead] = {}
        self.quiz_choices: dict[str, dict[int, int]] = {}  # course -> question -> choice
        self.quiz_results: dict[str, QuizResult] = {}
        self.notice_settings: NotificationPreferencesRead | None = None  # online only


class WorkStore(Store):
    """The jobs: offers, the pool, his orders with their chat, requests and photos, the
    catalog's services they are for, and his customers."""

    name = "work"

    def __init__(self) -> None:
        super().__init__()
        self.offers: list[Offer] = []
        self.pool: list[Offer] = []
        self.orders: dict[str, OrderRead] = {}
        self.services: dict[str, ServiceRead] = {}
        self.messages: dict[str, list[ChatRead | UnsentMessage]] = {}
        self.change_requests: dict[str, list[ChangeRequestRead]] = {}
        self.delay_requests: dict[str, list[DelayRequestRead]] = {}  # 改约, by order
        # the photos taken on this device, by (order id, SOP step), shown beside each step
        self.step_photos: dict[tuple[str, int], bytes] = {}
        self.customer_records: dict[str, CustomerNoteRead] = {}  # by order id
        self.follow_ups: list[FollowUpRead] = []


class SyncStore(Store):
    """The signal and the offline queue: whether the server answers, and a mark of the
    queue's change (its actions live in :class:`technician_app.offline.OfflineQueue`)."""

    name = "sync"

    def __init__(self) -> None:
        super().__init__()
        self.connected = True


class LiveStore(Store):
    """What keeps arriving: going online, the device's position, the inbox of the
    server's notifications, and the background refreshes."""

    name = "live"

    def __init__(self) -> None:
        super().__init__()
        self.working = False  # online for orders (the technician's toggle)
        self.location: tuple[float, float] | None = None
        self.location_fixed = False  # the developer's override: no device position
        self.location_problem: str | None = None  # why the device gave none, until it does
        self.inbox: list[NotificationRead] = []  # newest first
        self.inbox_unread = 0
        self.inbox_loaded = False
        self.live_rounds = 0  # background refreshes done (the poll: the feed's fallback)
