"""Every table, imported in one place so metadata (and Alembic) sees them all."""

from sqlmodel import SQLModel  # noqa: E402

from server.audit.models import AuditEntry  # noqa: F401
from server.auth.models import User  # noqa: F401
from server.catalog.models import Category, CertificateType, Service, SkillType  # noqa: F401
from server.core import appendonly  # noqa: E402
from server.core.idempotency import IdempotencyRecord  # noqa: F401
from server.dispatch.models import CustomerBlock, DispatchDecisionRecord, DispatchOffer  # noqa: F401
from server.files.models import StoredFile  # noqa: F401
from server.geo.models import SavedAddress  # noqa: F401
from server.notifications.models import Delivery, Notification, NotificationPreference  # noqa: F401
from server.ops.models import Alert  # noqa: F401
from server.orders.models import (  # noqa: F401
    CustomerNote,
    DelayRequest,
    Order,
    OrderEvent,
    SopProgress,
)
from server.payments.models import (  # noqa: F401
    Escrow,
    Invoice,
    JournalEntry,
    JournalLine,
    LedgerAccount,
    Payment,
    PayoutBatch,
    PayoutLine,
    Refund,
    SandboxCharge,
    WebhookEvent,
    Withdrawal,
)
from server.pricing.family_models import FamilyInvitation, FamilyLink  # noqa: F401
from server.pricing.models import (  # noqa: F401
    CardUse,
    ChangeItem,
    ChangeRequest,
    Coupon,
    CouponCampaign,
    CustomerSpend,
    LoyaltyAccount,
    MallRedemption,
    MallStock,
    PointsEntry,
    Quote,
    Referral,
    ReferralCode,
    ServiceCard,
)
from server.privacy.models import VirtualNumberBinding  # noqa: F401
from server.quality.models import QualityCheck, TechnicianDeposit  # noqa: F401
from server.realtime.models import ChatMessage, ContactAttempt, TechnicianLocation  # noqa: F401
from server.reviews.models import Appeal, Complaint, LevelRecord, Review  # noqa: F401
from server.risk.models import LoginThrottle, RiskFlag  # noqa: F401
from server.rules.models import RulesVersion  # noqa: F401
from server.technicians.models import Certificate, TechnicianProfile, TechnicianTransfer, TimeOff  # noqa: F401
from server.training.models import LessonStudy, QuizAttempt  # noqa: F401

appendonly.install(SQLModel.metadata)  # the ledger and the audit log only grow
