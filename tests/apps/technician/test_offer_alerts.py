"""A new offer rings once: not again while it waits, again if the order is offered anew;
the pool's open orders never ring (the technician goes looking for those)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from technician_app.alerts import OfferAlerts
from technician_app.state.model import Offer

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def offer(offer_id: str, *, source: str = "offer") -> Offer:
    return Offer(
        id=offer_id,
        order_id="ord_" + offer_id,
        service_name="日常保洁",
        district="朝阳区",
        scheduled_start=NOW + timedelta(hours=2),
        pay=8_500,
        expires_at=NOW + timedelta(seconds=20),
        distance_m=400.0,
        raw=None,  # type: ignore[arg-type]
        source=source,
    )


def test_each_offer_rings_once_and_again_when_offered_anew() -> None:
    alerts = OfferAlerts()
    assert alerts.arrived([offer("a")]) == ["a"]  # pending when the app opens: rings
    assert alerts.arrived([offer("a")]) == []
    assert alerts.arrived([offer("a"), offer("b")]) == ["b"]
    assert alerts.arrived([]) == []  # answered or expired: forgotten
    assert alerts.arrived([offer("a")]) == ["a"]


def test_the_pool_does_not_ring() -> None:
    alerts = OfferAlerts()
    assert alerts.arrived([offer("p", source="pool")]) == []
