"""What the reviews domain tells the domains above it, answered through ``server.bootstrap``.

A technician's complaint rate moved (a complaint resolved, an appeal decided): the
deposit rule (quality, above reviews) counts the same complaints and looks again.
"""

from __future__ import annotations

from collections.abc import Callable

from server.core.ports import Port
from server.core.uow import UnitOfWork

# (uow, technician id) -> None, in the caller's transaction
complaint_rate_changed: Port[Callable[[UnitOfWork, str], None]] = Port(
    "reviews.complaint_rate_changed"
)
