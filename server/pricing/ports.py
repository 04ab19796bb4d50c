"""What pricing asks of the domains above it, answered through ``server.bootstrap``.

A quote needs to know whether this is the customer's first order (orders), a finished
order earns points on what was paid (payments), and the traffic subsidy depends on how
far the nearest qualified technician is (dispatch).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from server.core.ports import Port
from server.core.uow import UnitOfWork

# customer id (or a bind parameter) -> a statement counting the orders that count against
# "first order"; composed into the quote's one-round-trip facts statement
counted_orders: Port[Callable[[Any], Any]] = Port("pricing.counted_orders")
# (uow, order id) -> fen paid for the order, net of refunds
paid_amount: Port[Callable[[UnitOfWork, str], int]] = Port("pricing.paid_amount")
# (uow, lat, lng, service id, within metres) -> metres to the nearest qualified
# technician (within + 1 when farther), None when nobody has the skills
nearest_technician: Port[Callable[[UnitOfWork, float, float, str, float], float | None]] = Port(
    "pricing.nearest_technician"
)
