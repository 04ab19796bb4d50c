"""What pricing asks of the domains above it, answered through ``server.bootstrap``.

A quote needs to know whether this is the customer's first order (orders), a finished
order earns points on what was paid (payments), and the traffic subsidy depends on how
far the nearest qualified technician is (dispatch). Pricing sits below those domains, so
it names the questions here and the composition root plugs in the answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlmodel import Session

# customer id (or a bind parameter) -> a statement counting the orders that count
# against "first order"; composed into the quote's one-round-trip facts statement
CountedOrders = Callable[[Any], Any]
# (session, order id) -> fen paid for the order, net of refunds
PaidAmount = Callable[[Session, str], int]
# (session, lat, lng, service id, within metres) -> metres to the nearest qualified
# technician, within + 1 when farther, None when nobody has the skills
NearestTechnician = Callable[[Session, float, float, str, float], float | None]


class PricingPorts:
    def __init__(self) -> None:
        self._counted_orders: CountedOrders | None = None
        self._paid_amount: PaidAmount | None = None
        self._nearest_technician: NearestTechnician | None = None

    def plug(
        self,
        *,
        counted_orders: CountedOrders,
        paid_amount: PaidAmount,
        nearest_technician: NearestTechnician,
    ) -> None:
        self._counted_orders = counted_orders
        self._paid_amount = paid_amount
        self._nearest_technician = nearest_technician

    def counted_orders(self, customer: Any) -> Any:  # noqa: ANN401
        return _wired(self._counted_orders)(customer)

    def paid_amount(self, session: Session, order_id: str) -> int:
        return _wired(self._paid_amount)(session, order_id)

    def nearest_technician(
        self, session: Session, lat: float, lng: float, service_id: str, within_m: float
    ) -> float | None:
        return _wired(self._nearest_technician)(session, lat, lng, service_id, within_m)


F = TypeVar("F")


def _wired(answer: F | None) -> F:
    if answer is None:
        raise RuntimeError("pricing's ports are not plugged (call server.bootstrap.wire)")
    return answer


ports = PricingPorts()
