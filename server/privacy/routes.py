"""Privacy endpoints: the order's virtual contact number."""

from __future__ import annotations

from server.auth.dependencies import CurrentUser
from server.core.deps import UowDep
from server.core.routing import api_router
from server.core.uow_middleware import MAY_WRITE
from server.privacy import service
from server.privacy.models import ContactRead

router = api_router(tags=["privacy"])


@router.get("/orders/{order_id}/contact", response_model=ContactRead, dependencies=[MAY_WRITE])
def order_contact(order_id: str, user: CurrentUser, uow: UowDep) -> ContactRead:
    """The virtual number to call the other side of the order (bound per order, unbound
    72 h after it ends), with the other side's name and masked phone.

    The one read that may write (``MAY_WRITE``): numbers come from a small leased pool, so
    an order gets one from the provider when someone first needs to call, and gives it
    back as soon as a read finds it expired, rather than holding one per accepted order."""
    return service.contact(uow, user=user, order_id=order_id)
