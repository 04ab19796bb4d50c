"""What orders asks of the domains above it, answered through ``server.bootstrap``.

Orders keeps no money of its own (the escrow is the one record), so what the customer
paid of the approved extras is payments' answer; whether a technician may look at an
order waiting in the open pool is dispatch's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from server.auth.models import User
from server.core.ports import Port
from server.core.uow import UnitOfWork

# (uow, order id) -> fen paid of the order's approved extras
extras_paid: Port[Callable[[UnitOfWork, str], int]] = Port("orders.extras_paid")
# (uow, order, user) -> True when the user may see the order's card in the pool
may_view_in_pool: Port[Callable[[UnitOfWork, Any, User], bool]] = Port("orders.may_view_in_pool")
