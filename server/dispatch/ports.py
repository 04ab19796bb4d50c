"""What dispatch asks of the domains above it, answered through ``server.bootstrap``.

Scoring weighs each technician's customer ratings by their age; the ratings are the
reviews domain's records, which sits above dispatch. An order the offers could not place
is left to the open pool, and the technicians whose pool lists it are told live by the
realtime domain, which sits above dispatch too. A technician whose raised deposit is not
held gets the restricted daily cap; deposits are the quality domain's, above dispatch.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from server.core.ports import Port
from server.core.uow import UnitOfWork
from server.orders.models import Order

# (uow, technician ids, since) -> per technician, (stars 1-5, when) of each visible
# customer rating given since then
customer_ratings: Port[
    Callable[[UnitOfWork, list[str], datetime], dict[str, list[tuple[float, datetime]]]]
] = Port("dispatch.customer_ratings")

# (uow, order, left) -> tell the technicians whose pool lists the order that it was left
# to the pool (True: nobody could be offered it) or taken back (False: an offer goes out)
left_to_pool: Port[Callable[[UnitOfWork, Order, bool], None]] = Port("dispatch.left_to_pool")

# (uow, technician ids) -> those of them whose daily orders are capped because the raised
# deposit (quality: 投诉率>5% → 更高保证金) is required and not held
deposit_capped: Port[Callable[[UnitOfWork, list[str]], frozenset[str]]] = Port(
    "dispatch.deposit_capped"
)
