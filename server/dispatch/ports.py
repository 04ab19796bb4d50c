"""What dispatch asks of the domains above it, answered through ``server.bootstrap``.

Scoring weighs each technician's customer ratings by their age; the ratings are the
reviews domain's records, which sits above dispatch.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from server.core.ports import Port
from server.core.uow import UnitOfWork

# (uow, technician ids, since) -> per technician, (stars 1-5, when) of each visible
# customer rating given since then
customer_ratings: Port[
    Callable[[UnitOfWork, list[str], datetime], dict[str, list[tuple[float, datetime]]]]
] = Port("dispatch.customer_ratings")
