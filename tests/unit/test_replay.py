"""The what-if replay's pure parts: the re-run through the real dispatch core, and the
figures compared."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from server.dispatch.geo import LatLng
from server.dispatch.world import settings_from_rules
from server.ops.replay.metrics import comparison, figures, table
from server.ops.replay.rerun import Outcome, PastOrder, Responder, Whereabouts, rerun
from server.rules.book import Rules
from tests.unit.test_dispatch_engine import NOW, TRAVEL, job, point, tech

TZ = "Asia/Shanghai"
SURE = Responder(accept_rate=1.0, response_s=10.0)
NEVER = Responder(accept_rate=0.0, response_s=5.0)


def _settings(**dispatch: object):  # noqa: ANN202
    rules = Rules()
    return settings_from_rules(
        rules.model_copy(update={"dispatch": rules.dispatch.model_copy(update=dispatch)}),
        timezone=TZ,
    )


def _order(oid: str, where: LatLng, *, minutes: int = 0, district: str = "望京") -> PastOrder:
    return PastOrder(oid, district, job(oid, where), NOW + timedelta(minutes=minutes), 15_000)


def _rerun(orders, techs, *, responders=None, whereabouts=None, seed=7, **dispatch):  # noqa: ANN001, ANN003, ANN202
    fleet = {t.id: t for t in techs}
    return rerun(
        orders,
        fleet,
        settings=_settings(**dispatch),
        travel=TRAVEL,
        whereabouts=whereabouts or Whereabouts(),
        responders=responders if responders is not None else dict.fromkeys(fleet, SURE),
        levels={},
        seed=seed,
    )


def test_the_nearest_able_technician_takes_the_order() -> None:
    (outcome,) = _rerun(
        [_order("o1", point(0, 0))], [tech("far", point(6, 0)), tech("near", point(1, 0))]
    )
    assert outcome.technician_id == "near"
    assert 0.9 < (outcome.km or 0) < 1.2
    assert outcome.waited_s == 10.0 and outcome.on_time is True
    assert outcome.pay_fen > 0


def test_a_refusal_passes_the_order_on_and_counts_its_time() -> None:
    techs = [tech("near", point(1, 0)), tech("next", point(2, 0))]
    (outcome,) = _rerun(
        [_order("o1", point(0, 0))], techs, responders={"near": NEVER, "next": SURE}
    )
    assert outcome.technician_id == "next" and outcome.waited_s == 15.0


def test_nobody_accepting_leaves_the_order_unserved_after_the_offer_limit() -> None:
    techs = [tech(f"t{i}", point(i, 0)) for i in range(1, 4)]
    (outcome,) = _rerun(
        [_order("o1", point(0, 0))], techs, responders=dict.fromkeys(["t1", "t2", "t3"], NEVER)
    )
    assert outcome == Outcome("o1", "望京", None, None, None, None, 0)


def test_the_search_radius_of_the_rules_tried_trims_the_candidates() -> None:
    techs = [tech("near", point(3, 0))]
    assert _rerun([_order("o1", point(0, 0))], techs)[0].technician_id == "near"
    assert _rerun([_order("o1", point(0, 0))], techs, search_radius_km=1)[0].technician_id is None


def test_a_technician_given_a_job_is_busy_for_the_next_one_at_that_time() -> None:
    techs = [tech("near", point(1, 0)), tech("next", point(4, 0))]
    first, second = _rerun(
        [_order("o1", point(0, 0)), _order("o2", point(0, 0.5), minutes=1)], techs
    )
    assert (first.technician_id, second.technician_id) == ("near", "next")


def test_where_a_technician_reported_being_is_where_they_start_from() -> None:
    seen_far = Whereabouts({"near": [(NOW - timedelta(minutes=5), point(9, 0))]})
    techs = [tech("near", point(1, 0)), tech("next", point(2, 0))]
    (outcome,) = _rerun([_order("o1", point(0, 0))], techs, whereabouts=seen_far)
    assert outcome.technician_id == "next"
    stale = Whereabouts({"next": [(NOW - timedelta(hours=2), point(2, 0))]})
    (outcome,) = _rerun([_order("o1", point(0, 0))], [tech("next", point(2, 0))], whereabouts=stale)
    assert outcome.technician_id is None  # silent for two hours: not active then


def test_batch_mode_matches_a_window_together() -> None:
    techs = [tech("a", point(1, 0)), tech("b", point(0, 3))]
    orders = [_order("o1", point(0, 0.2)), _order("o2", point(0.5, 3))]
    outcomes = _rerun(orders, techs, mode="batch", batch_interval_seconds=30)
    assert {o.order_id: o.technician_id for o in outcomes} == {"o1": "a", "o2": "b"}
    assert all(o.waited_s == 40.0 for o in outcomes)  # the window, then the answer


@settings(max_examples=40)
@given(
    st.lists(st.tuples(st.floats(-4, 4), st.floats(-4, 4), st.integers(0, 240)), max_size=12),
    st.floats(0, 1),
    st.sampled_from(["cascade", "batch"]),
)
def test_no_technician_is_given_two_jobs_at_once(spots, accept_rate, mode) -> None:  # noqa: ANN001
    orders = [_order(f"o{i}", point(n, e), minutes=m) for i, (n, e, m) in enumerate(spots)]
    techs = [tech(f"t{i}", point(i - 2, 0)) for i in range(5)]
    responders = {t.id: Responder(accept_rate, 12.0) for t in techs}
    outcomes = _rerun(orders, techs, responders=responders, mode=mode)
    assert [o.order_id for o in outcomes] == [
        o.id for o in sorted(orders, key=lambda o: (o.waiting_at, o.id))
    ]
    held: dict[str, list] = {}
    jobs = {o.id: o.job for o in orders}
    for outcome in outcomes:
        if outcome.technician_id is None:
            continue
        j = jobs[outcome.order_id]
        for other in held.get(outcome.technician_id, []):
            assert j.end <= other.start or other.end <= j.start
        held.setdefault(outcome.technician_id, []).append(j)
    again = _rerun(orders, techs, responders=responders, mode=mode)
    assert again == outcomes  # a replay repeats exactly
    share = figures(outcomes).served_share
    assert share is None or 0.0 <= share <= 1.0


def test_figures_and_the_comparison_table() -> None:
    happened = [
        Outcome("o1", "望京", "a", 60.0, 2.0, True, 8000),
        Outcome("o2", "国贸", "a", 180.0, 4.0, False, 8000),
        Outcome("o3", "国贸", None, None, None, None, 0),
    ]
    rerun_ = [replace(o, technician_id="b", km=1.0) if o.order_id == "o2" else o for o in happened]
    f = figures(happened, ["a", "b"])
    assert (f.orders, f.served_share, f.accept_minutes_p50, f.km_per_job) == (3, 0.6667, 2.0, 3.0)
    assert f.on_time_share == 0.5 and f.pay_gini == 0.5  # one of two technicians paid all
    result = comparison(happened, rerun_, ["a", "b"], baseline=happened)
    assert result["replayed"]["pay_gini"] == 0.0  # shared evenly now
    assert result["effect"]["km_per_job"] == -1.5
    assert list(result["districts"]) == ["国贸", "望京"]
    result.update(period={"from": "x", "to": "y"}, orders=3, mode="cascade")
    lines = table(result).splitlines()
    assert lines[1].split()[:4] == ["served_share", "0.6667", "0.6667", "0.6667"]
    assert lines[-2].startswith("国贸  ")  # wide characters keep the columns aligned
