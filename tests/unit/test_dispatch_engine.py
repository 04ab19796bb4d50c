import random
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import numpy as np

from server.dispatch.assignment import assign_optimal
from server.dispatch.eligibility import RejectionCode
from server.dispatch.engine import batch_assign, batch_matrix, decide
from server.dispatch.facts import JobFacts, Level, TechnicianFacts, TechnicianStats, WeeklyWindow
from server.dispatch.geo import CircleArea, LatLng, RoadFactorTravelTime
from simulation.baselines import greedy_nearest_first
from simulation.indexes import H3Index

TRAVEL = RoadFactorTravelTime()
NOW = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
CENTER = LatLng(31.2304, 121.4737)


def point(km_n: float, km_e: float) -> LatLng:
    return LatLng(CENTER.lat + km_n / 111.195, CENTER.lng + km_e / (111.195 * 0.8554))


def tech(tid: str, where: LatLng, **kw) -> TechnicianFacts:
    base = TechnicianFacts(
        id=tid,
        skills=frozenset({"cleaning"}),
        service_areas=(CircleArea(CENTER, 30),),
        home=where,
        location=where,
        weekly=tuple(WeeklyWindow(d, time(7), time(22)) for d in range(7)),
    )
    return replace(base, **kw)


def job(jid: str, where: LatLng, **kw) -> JobFacts:
    base = JobFacts(
        id=jid,
        customer_id="c-" + jid,
        location=where,
        start=NOW + timedelta(hours=1),
        end=NOW + timedelta(hours=3),
        required_skills=frozenset({"cleaning"}),
        price_fen=15_000,
    )
    return replace(base, **kw)


def test_decide_ranks_eligible_and_explains_rejections():
    techs = {
        "near": tech("near", point(1, 0)),
        "far": tech("far", point(8, 0)),
        "cert-less": tech("cert-less", point(0.5, 0), skills=frozenset()),
        "bad-reviews": tech(
            "bad-reviews", point(0.8, 0), stats=TechnicianStats(good_rate_30d=0.7, reviews_30d=10)
        ),
        "out-of-town": tech("out-of-town", point(60, 0)),
    }
    index = H3Index()
    for t in techs.values():
        index.insert(t.id, *t.location)
    d = decide(job("j", CENTER), techs, now=NOW, travel=TRAVEL, index=index, radius_m=15_000)
    assert d.prefiltered <= len(techs)
    ids = [c.technician_id for c in d.ranked]
    assert ids[0] == "near" and set(ids) == {"near", "far", "bad-reviews"}
    assert ids.index("bad-reviews") > ids.index("near")
    assert [r.code for r in d.rejected["cert-less"]] == [RejectionCode.MISSING_SKILL]
    explained = d.as_dict()
    assert explained["rejected"]["cert-less"][0]["code"] == "missing_skill"
    assert explained["ranked"][0]["technician_id"] == "near"
    # Without an index every technician is examined, with the same ranking.
    full = decide(job("j", CENTER), techs, now=NOW, travel=TRAVEL)
    assert [c.technician_id for c in full.ranked] == ids
    codes = [r.code for r in full.rejected["out-of-town"]]
    assert codes == [RejectionCode.CANNOT_ARRIVE_IN_TIME]  # 60 km away, job in an hour
    again = decide(
        job("j", CENTER), techs, now=NOW, travel=TRAVEL, index=index, exclude=frozenset({"near"})
    )
    assert again.best is not None and again.best.technician_id != "near"


def test_s_level_beats_c_level_at_the_same_distance():
    techs = {
        "s": tech("s", point(1, 0), stats=TechnicianStats(level=Level.S)),
        "c": tech("c", point(-1, 0), stats=TechnicianStats(level=Level.C)),
    }
    d = decide(job("j", CENTER), techs, now=NOW, travel=TRAVEL)
    assert [c.technician_id for c in d.ranked] == ["s", "c"]


def test_batch_assignment_over_real_facts():
    rng = random.Random(3)
    techs = {
        f"t{k}": tech(
            f"t{k}",
            point(rng.uniform(-6, 6), rng.uniform(-6, 6)),
            stats=TechnicianStats(level=rng.choice(list(Level))),
        )
        for k in range(25)
    }
    jobs = [job(f"j{k}", point(rng.uniform(-6, 6), rng.uniform(-6, 6))) for k in range(20)]
    index = H3Index()
    for t in techs.values():
        index.insert(t.id, *t.location)
    m = batch_matrix(jobs, techs, now=NOW, travel=TRAVEL, index=index, radius_m=8_000)
    chosen = batch_assign(m)
    assert len({c.technician_id for c in chosen.values()}) == len(chosen)
    opt = assign_optimal(m.scores, m.feasible)
    greedy = greedy_nearest_first(
        np.nan_to_num(m.scores), np.nan_to_num(m.distances, nan=1e12), m.feasible
    )
    assert opt.total >= greedy.total
    assert sum(c.score for c in chosen.values()) == opt.total


def test_all_reasons_on_request():
    techs = {"x": tech("x", point(1, 0), online=False, skills=frozenset())}
    quick = decide(job("j", CENTER), techs, now=NOW, travel=TRAVEL)
    full = decide(job("j", CENTER), techs, now=NOW, travel=TRAVEL, all_reasons=True)
    assert [r.code for r in quick.rejected["x"]] == [
        RejectionCode.OFFLINE,
        RejectionCode.MISSING_SKILL,
    ]
    assert set(full.rejected["x"]) >= set(quick.rejected["x"])
    assert quick.ranked == full.ranked == ()
