"""The customer app's data, one observable store per feature (:mod:`client.store`).

A screen subscribes to the stores it reads (``customer_app.context.use_app``); every
screen reads the session (language, route, messages). The use cases that fill them are
the modules of :mod:`customer_app.state`.
"""

from __future__ import annotations

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
    FamilyAllowanceRead,
    FamilyRead,
    InvoiceRead,
    MallItemRead,
    MallRedemptionRead,
    MembershipRead,
    NotificationPreferencesRead,
    NotificationRead,
    OrderEventRead,
    OrderRead,
    PaymentRead,
    PlaceRead,
    PoliciesRead,
    PublicTechnicianRead,
    QuoteRead,
    RecommendationRead,
    ReviewRead,
    SeasonRead,
    ServiceRead,
    ServiceSummary,
    StoredValueRead,
    UserRead,
)
from client.store import Store
from customer_app.model import JSON, BookingDraft, Slot
from customer_app.state.tracking import Tracking


class SessionStore(Store):
    """Who is signed in, the language, where the app is, and what it says about the last
    step (busy, an error with the fields it concerns, a notice)."""

    name = "session"

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.user: UserRead | None = None
        self.lang = lang
        self.route = "/"
        self.history: list[str] = []
        self.busy = False
        self.error: str | None = None
        self.notice: str | None = None
        self.last_error_code: str | None = None
        self.field_errors: dict[str, str] = {}
        self.missing: set[str] = set()  # features this server does not have
        self.screen_width: float | None = None  # which layout the screens take
        self.policies: PoliciesRead | None = None  # 用户协议 and 隐私政策, read at sign-up
        # what the screens' inputs hold (text fields, open panels, star choices); plain
        # data, so tests can fill a form the same way a screen does
        self.form: JSON = {}

    def put(self, key: str, value: object) -> None:
        """One input's value (the form is changed in place: the store is marked)."""
        self.form[key] = value
        self.touch()

    def drop(self, *keys: str) -> None:
        for key in keys:
            self.form.pop(key, None)
        self.touch()


class CatalogStore(Store):
    """What there is to book: categories, search, recommendations, a service's page and a
    technician's page."""

    name = "catalog"

    def __init__(self) -> None:
        super().__init__()
        self.categories: list[CategoryNode] = []
        self.category: CategoryNode | None = None  # the category whose services are listed
        self.server_unreachable = False  # the catalog could not be loaded: no answer yet
        self.query = ""
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


class BookingStore(Store):
    """The booking being made: place, day and slot, options and the price that follows."""

    name = "booking"

    def __init__(self) -> None:
        super().__init__()
        self.draft: BookingDraft | None = None
        self.slots: list[Slot] = []
        self.slots_from_server = False
        self.quote: QuoteRead | None = None
        self.place_hits: list[PlaceRead] = []  # address search suggestions
        self.picked_place: PlaceRead | None = None  # the suggestion chosen, door not yet typed
        self.pin_moved = False  # the picked place is where the customer dragged the pin


class VisitStore(Store):
    """The order being followed: its record and timeline, payment, the technician on his
    way, requests from him, chat, and what the customer said about it."""

    name = "visit"

    def __init__(self) -> None:
        super().__init__()
        self.order: OrderRead | None = None
        self.order_service: ServiceRead | None = None  # its rate card names extra work
        self.events: list[OrderEventRead] = []
        self.payment: PaymentRead | None = None
        self.tracking = Tracking()
        self.feed_state = "idle"  # idle | live | reconnecting
        self.technician_card: PublicTechnicianRead | None = None
        self.change_requests: list[ChangeRequestRead] = []
        self.delay_requests: list[DelayRequestRead] = []  # the technician asks to move it
        self.contact: ContactRead | None = None
        self.cancel_quote: CancellationQuoteRead | None = None
        self.messages: list[ChatRead] = []
        self.reviewed = False
        self.my_review: ReviewRead | None = None  # the customer's review of the open order
        self.complaint: ComplaintRead | None = None
        self.photos: dict[str, bytes] = {}


class SupportStore(Store):
    """Talking to the platform: the support chat and the inbox of notices."""

    name = "support"

    def __init__(self) -> None:
        super().__init__()
        self.support_messages: list[ChatRead] = []
        self.notices: list[NotificationRead] = []  # newest first
        self.unread_notices = 0


class MeStore(Store):
    """The customer's own things: past orders, invoices, coupons and points, the wallet,
    the family account, the points mall and the notification settings."""

    name = "me"

    def __init__(self) -> None:
        super().__init__()
        self.orders: list[OrderRead] = []
        self.invoices: list[InvoiceRead] = []
        self.coupons: list[CouponRead] = []
        self.points: JSON | None = None  # {"balance": int, "value": {"block", "value"}}
        self.membership: MembershipRead | None = None
        self.stored: StoredValueRead | None = None  # 储值余额
        self.top_up_payment: PaymentRead | None = None  # a top-up's checkout, until paid
        self.family: FamilyRead | None = None
        self.allowance: FamilyAllowanceRead | None = None  # what the family balance allows
        self.mall_items: list[MallItemRead] = []  # 积分商城
        self.mall_redemptions: list[MallRedemptionRead] = []  # the customer's exchanges
        self.notice_settings: NotificationPreferencesRead | None = None  # 通知设置
