"""What the technicians' domain tells the domains above it, wired in ``server.bootstrap``.

A technician coming online, or an online technician whose app comes back after a while
(``own_record.came_present``), may place orders that were waiting with nobody to take
them; the dispatcher, above this domain, is told where (inside the same transaction).
"""

from __future__ import annotations

from collections.abc import Callable

from server.core.ports import Port
from server.core.uow import UnitOfWork

# (uow, lat, lng): a technician came online (or his app came back) around there
came_online: Port[Callable[[UnitOfWork, float, float], None]] = Port("technicians.came_online")
