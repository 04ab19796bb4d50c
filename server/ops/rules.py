"""All operator-editable business rules, one versioned document.

Each domain owns its section's model (``server/<domain>/rules.py``); this composes
them. ``PUT /ops/settings`` validates a whole new document against this model, so a
negative weight or a value that doesn't parse is a 422 and nothing changes.
"""

from pydantic import BaseModel, Field

from server.dispatch.rules import DispatchRules
from server.ops.ops_rules import OpsRules
from server.orders.rules import OrderRules
from server.payments.rules import PaymentRules
from server.pricing.rules import PricingRules
from server.privacy.rules import PrivacyRules
from server.reviews.rules import ReviewRules


class Rules(BaseModel):
    orders: OrderRules = Field(default_factory=OrderRules)
    dispatch: DispatchRules = Field(default_factory=DispatchRules)
    pricing: PricingRules = Field(default_factory=PricingRules)
    payments: PaymentRules = Field(default_factory=PaymentRules)
    ops: OpsRules = Field(default_factory=OpsRules)
    reviews: ReviewRules = Field(default_factory=ReviewRules)
    privacy: PrivacyRules = Field(default_factory=PrivacyRules)
