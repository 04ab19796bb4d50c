"""All operator-editable business rules, one versioned document.

Each domain owns its section's model (``server/rules/<domain>.py``); this composes
them. ``PUT /ops/settings`` validates a whole new document against this model, so a
negative weight or a value that doesn't parse is a 422 and nothing changes.
"""

from pydantic import BaseModel, Field

from server.rules.dispatch import DispatchRules
from server.rules.notifications import NotificationRules
from server.rules.ops import OpsRules
from server.rules.orders import OrderRules
from server.rules.payments import PaymentRules
from server.rules.pricing import PricingRules
from server.rules.privacy import PrivacyRules
from server.rules.quality import QualityRules
from server.rules.reviews import ReviewRules
from server.rules.training import TrainingRules


class Rules(BaseModel):
    orders: OrderRules = Field(default_factory=OrderRules)
    dispatch: DispatchRules = Field(default_factory=DispatchRules)
    pricing: PricingRules = Field(default_factory=PricingRules)
    payments: PaymentRules = Field(default_factory=PaymentRules)
    ops: OpsRules = Field(default_factory=OpsRules)
    reviews: ReviewRules = Field(default_factory=ReviewRules)
    privacy: PrivacyRules = Field(default_factory=PrivacyRules)
    notifications: NotificationRules = Field(default_factory=NotificationRules)
    quality: QualityRules = Field(default_factory=QualityRules)
    training: TrainingRules = Field(default_factory=TrainingRules)
