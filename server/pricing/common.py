"""What every pricing module needs: the rules in force with their version, and the
mapping of a pricing refusal to an error reply."""

from __future__ import annotations

from typing import Any

from server.core.errors import AppError
from server.core.uow import UnitOfWork
from server.pricing import engine
from server.rules import store as rules_store


def rules_versioned(uow: UnitOfWork) -> tuple[int, Any]:

    return rules_store.current_rules_versioned(uow)


def pricing_error(exc: engine.PricingError) -> AppError:
    """A pricing rule refused: 409 for a conflict with what the customer holds, else 422."""
    status = 409 if exc.code in {"coupon_not_stackable", "points_insufficient"} else 422
    return AppError(str(exc), code=exc.code, details=exc.details, status_code=status)
