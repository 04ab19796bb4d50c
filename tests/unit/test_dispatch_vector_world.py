"""The world's technician arrays in the booking and round paths: a day's slot counts equal
``slots.day_slots``'s (the per-candidate code for each slot), and offers made during a
round reach the arrays as they reach the facts."""

from datetime import timedelta
from types import SimpleNamespace

import pytest

from server.dispatch import engine
from server.dispatch import slots as slots_core
from server.dispatch.booking import counted_slots
from server.dispatch.eligibility import EligibilityPolicy
from server.dispatch.world import DispatchSettings, World
from server.rules.dispatch import DispatchRules, ScoringPolicy
from tests.unit.test_dispatch_vector import CENTER, NOW, SKILLS, TRAVEL, city, point


@pytest.mark.parametrize("seed", [5, 6])
def test_slot_counts_match(seed: int) -> None:
    techs, index, rng = city(seed, 1500)
    policy = EligibilityPolicy(tz="Asia/Shanghai")
    settings = DispatchSettings(
        dispatch=DispatchRules(),
        scoring=ScoringPolicy(),
        policy=policy,
        commission={},
        default_commission_bp=0,
        complaint_limit=0.05,
        complaint_min_orders=1,
        restricted_cap=3,
    )
    world = World(NOW, "Asia/Shanghai", settings, dict(techs), {}, index)
    total = 0
    for k in range(6):
        request = slots_core.SlotRequest(
            location=point(rng) if k else CENTER,
            length=timedelta(hours=rng.choice([2, 3])),
            required_skills=frozenset(rng.sample(SKILLS, rng.choice([0, 1]))),
            customer_id="c1",
            blocked_technician_ids=frozenset(rng.sample(list(techs), 5)),
        )
        day = (NOW + timedelta(days=k % 3)).date()
        kw = dict(radius_m=15_000.0, lead=timedelta(hours=1), policy=policy)
        fast = counted_slots(request, day, world, **kw)
        reference = slots_core.day_slots(
            request, day, techs, now=NOW, travel=TRAVEL, tz="Asia/Shanghai", index=index, **kw
        )
        assert fast == reference
        total += sum(s.available for s in fast)
    assert total > 100


def test_reserve_keeps_the_arrays_in_step() -> None:
    """Offers made in a round book the technician: the arrays see it as the facts do."""
    techs, index, rng = city(8, 1200)
    settings = DispatchSettings(
        dispatch=DispatchRules(),
        scoring=ScoringPolicy(),
        policy=EligibilityPolicy(),
        commission={},
        default_commission_bp=0,
        complaint_limit=0.05,
        complaint_min_orders=1,
        restricted_cap=3,
    )
    world = World(NOW, "Asia/Shanghai", settings, dict(techs), {}, index)
    assert world.arrays_if_worth() is None  # the first decision of a round scans
    columns = world.arrays_if_worth()
    assert columns is world.columns
    request = slots_core.SlotRequest(location=CENTER, length=timedelta(hours=2))
    job = request.job(NOW + timedelta(hours=2))
    kw = dict(now=NOW, travel=TRAVEL, index=index, radius_m=15_000.0)
    first = engine.decide(job, world.techs, columns=columns, **kw)
    for c in list(first.ranked)[:40]:
        booked = SimpleNamespace(
            id=f"o-{c.technician_id}",
            scheduled_start=job.start - timedelta(minutes=30),
            scheduled_end=job.end,
            lat=job.location.lat,
            lng=job.location.lng,
        )
        world.reserve(c.technician_id, booked)  # type: ignore[arg-type]
    again = engine.decide(job, world.techs, columns=columns, **kw)
    reference = engine.decide(job, world.techs, **kw)
    assert [c.technician_id for c in again.ranked] == [c.technician_id for c in reference.ranked]
    taken = {c.technician_id for c in list(first.ranked)[:40]}
    assert not taken & {c.technician_id for c in again.ranked}
    assert dict(again.rejected) == dict(reference.rejected)
