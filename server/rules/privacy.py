"""Privacy rules (the ``privacy`` section of the rules)."""

from pydantic import BaseModel, Field


class PrivacyRules(BaseModel):
    virtual_number_unbind_hours: int = Field(
        default=72, ge=0, le=24 * 30
    )  # after completion/cancel
    notification_retention_days: int = Field(default=180, ge=1, le=3 * 365)
    virtual_number_pool_prefix: str = Field(
        default="1700000", pattern=r"^\d{3,10}$"
    )  # sandbox provider
    virtual_number_pool_size: int = Field(default=1000, ge=1, le=100_000)
