"""What the notification centre asks of the layers above it, plugged in ``server.bootstrap``.

The centre sits below every domain that tells people things, so it cannot import the
live feed (realtime) that carries a new notification to a connected app at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from server.core.ports import Port
from server.core.uow import UnitOfWork

# (uow, message) -> None: send ``message`` on the live feed once ``uow`` commits
live: Port[Callable[[UnitOfWork, dict[str, Any]], None]] = Port("notifications.live")
