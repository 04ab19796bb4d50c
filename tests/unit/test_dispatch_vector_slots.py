"""A day's slot counts from the technician arrays equal ``slots.day_slots``'s, which runs
the per-candidate code for each slot."""

from datetime import timedelta

import pytest

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
