"""What files asks of the domains above it, answered through ``server.bootstrap``.

A stored file is seen by its owner; beyond that, who may see it depends on what it is
attached to: an order's photos by the order's participants while the address is
visible to them (orders), a technician's public portfolio photo by anyone (technicians).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from server.auth.models import User
from server.core.ports import Port
from server.core.uow import UnitOfWork

# (uow, order id, user) -> True when the user takes part in the order
order_participant: Port[Callable[[UnitOfWork, str, User], bool]] = Port("files.order_participant")
# (uow, order id, user, now) -> True while the order's address (and photos) are the
# user's to see
order_visible: Port[Callable[[UnitOfWork, str, User, datetime], bool]] = Port("files.order_visible")
# (uow, file id) -> True when the photo is on a technician's public profile
public_photo: Port[Callable[[UnitOfWork, str], bool]] = Port("files.public_photo")
