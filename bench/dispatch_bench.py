"""Dispatch core benchmark: decision latency and batch assignment quality.

Part 1. One dispatch decision (prefilter + eligibility + scoring) for a job in a
synthetic city of 1k / 10k / 50k technicians, side by side:
- "H3 index" and "grid index": candidates from the index's cells, exact haversine on
  them (vectorised), then eligibility and scoring;
- "naive scan": no cells, the exact distance of every technician (vectorised), then the
  same eligibility and scoring;
- "no prefilter": eligibility run on every technician (what happens without a radius).
Also the prefilter alone, with a pure-Python scan and a numpy scan as references.

Part 2. Batch assignment (jobs x technicians) on 100x100 and 1000x1000 score matrices
built from a city geometry: time of the optimal assignment
(scipy.optimize.linear_sum_assignment) and its total score against two greedy
baselines; exactness against brute force on many small instances; and the time to
build a 100x100 matrix from full technician facts.

Writes bench/out/dispatch_bench.json and prints tables.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.dispatch.assignment import assign_optimal  # noqa: E402
from server.dispatch.engine import batch_matrix, decide  # noqa: E402
from server.dispatch.facts import (  # noqa: E402
    BusyInterval,
    Certificate,
    JobFacts,
    Level,
    Rating,
    TechnicianFacts,
    TechnicianStats,
    WeeklyWindow,
)
from server.dispatch.geo import (
    CircleArea,
    LatLng,
    RoadFactorTravelTime,
    haversine_m,
    haversine_many_m,
)  # noqa: E402
from server.dispatch.spatial import GridIndex  # noqa: E402
from server.ops.stats import percentile  # noqa: E402
from simulation.baselines import (  # noqa: E402
    assign_exhaustive,
    greedy_best_first,
    greedy_nearest_first,
)
from simulation.indexes import H3Index, NaiveIndex  # noqa: E402

CENTER = LatLng(31.2304, 121.4737)
CITY_HALF_KM = 20.0  # a 40 km x 40 km city
NOW = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)  # 09:00 Shanghai, a Monday
SKILLS = [
    "cleaning",
    "deep_cleaning",
    "aircon_repair",
    "fridge_repair",
    "nanny",
    "newborn_care",
    "elder_care",
]
TRAVEL = RoadFactorTravelTime()


def rand_point(rng: random.Random) -> LatLng:
    # Denser towards the centre, like a real city: a mix of uniform and Gaussian.
    if rng.random() < 0.5:
        dn, de = rng.gauss(0, 6), rng.gauss(0, 6)
        dn = max(-CITY_HALF_KM, min(CITY_HALF_KM, dn))
        de = max(-CITY_HALF_KM, min(CITY_HALF_KM, de))
    else:
        dn, de = rng.uniform(-CITY_HALF_KM, CITY_HALF_KM), rng.uniform(-CITY_HALF_KM, CITY_HALF_KM)
    return LatLng(
        CENTER.lat + dn / 111.195, CENTER.lng + de / (111.195 * math.cos(math.radians(CENTER.lat)))
    )


def make_technician(k: int, rng: random.Random) -> TechnicianFacts:
    home = rand_point(rng)
    live = LatLng(home.lat + rng.gauss(0, 0.01), home.lng + rng.gauss(0, 0.01))
    skills = frozenset(rng.sample(SKILLS, rng.randint(1, 3)))
    certs = (
        (Certificate("maternity_nurse", expires_on=date(2027, 1, 1)),)
        if "newborn_care" in skills
        else ()
    )
    busy = ()
    if rng.random() < 0.4:
        s = NOW + timedelta(minutes=rng.randint(-120, 480))
        busy = (BusyInterval(s, s + timedelta(hours=2), rand_point(rng), f"o{k}"),)
    ratings = tuple(
        Rating(rng.choice([3, 4, 5, 5, 5]), NOW - timedelta(days=rng.randint(0, 300)))
        for _ in range(8)
    )
    received = rng.randint(0, 200)
    stats = TechnicianStats(
        level=rng.choice(list(Level)),
        ratings=ratings,
        good_rate_30d=rng.uniform(0.8, 1.0),
        reviews_30d=rng.randint(0, 40),
        complaint_rate=rng.uniform(0, 0.1),
        orders_for_complaint_rate=rng.randint(0, 200),
        offers_received=received,
        offers_accepted=rng.randint(0, received),
        jobs_today=rng.randint(0, 5),
        earnings_today_fen=rng.randint(0, 60_000),
        active_jobs=int(rng.random() < 0.3),
    )
    return TechnicianFacts(
        id=f"t{k}",
        verified=rng.random() > 0.02,
        suspended=rng.random() < 0.01,
        online=rng.random() > 0.2,
        skills=skills,
        certificates=certs,
        service_areas=(CircleArea(home, radius_km=rng.uniform(5, 12)),),
        home=home,
        location=live,
        max_distance_km=rng.choice([None, 5.0, 8.0, 10.0]),
        weekly=tuple(WeeklyWindow(d, dtime(8), dtime(21)) for d in range(7)),
        busy=busy,
        stats=stats,
    )


def make_job(k: int, rng: random.Random) -> JobFacts:
    start = NOW + timedelta(minutes=rng.choice([45, 60, 90, 180, 300]))
    skill = rng.choice(SKILLS)
    certs = frozenset({"maternity_nurse"}) if skill == "newborn_care" else frozenset()
    return JobFacts(
        id=f"j{k}",
        customer_id=f"c{k}",
        location=rand_point(rng),
        start=start,
        end=start + timedelta(hours=rng.choice([2, 3, 4])),
        required_skills=frozenset({skill}),
        required_certificates=certs,
        price_fen=rng.randint(8_000, 40_000),
    )


def summary(samples: dict[str, list[float]], digits: int = 3) -> dict[str, dict[str, float]]:
    return {
        k: {"p50": round(percentile(v, 50), digits), "p95": round(percentile(v, 95), digits)}
        for k, v in samples.items()
        if v
    }


class Stopwatch:
    """Wall clock and this thread's CPU time (the CPU figure is steadier on a busy box)."""

    def __enter__(self) -> Stopwatch:
        self.cpu0, self.wall0 = time.thread_time(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall_ms = (time.perf_counter() - self.wall0) * 1000.0
        self.cpu_ms = (time.thread_time() - self.cpu0) * 1000.0


# ------------------------------------------------------------------ part 1


def python_scan(techs: dict[str, TechnicianFacts], job: JobFacts, radius_m: float) -> set[str]:
    la, ln = job.location
    return {
        t.id
        for t in techs.values()
        if haversine_m(la, ln, t.location.lat, t.location.lng) <= radius_m
    }


def numpy_scan(
    lats: np.ndarray, lngs: np.ndarray, ids: np.ndarray, job: JobFacts, radius_m: float
) -> set[str]:
    d = haversine_many_m(job.location.lat, job.location.lng, lats, lngs)
    return set(ids[d <= radius_m].tolist())


def bench_one_size(n: int, queries: int, radius_m: float, seed: int) -> dict:
    rng = random.Random(seed + n)
    techs = {t.id: t for t in (make_technician(k, rng) for k in range(n))}
    jobs = [make_job(k, rng) for k in range(queries)]
    indexes = {"h3_r8": H3Index(8), "grid_1km": GridIndex(1000.0), "naive_scan": NaiveIndex()}
    build_ms = {}
    for name, idx in indexes.items():
        with Stopwatch() as sw:
            for t in techs.values():
                idx.insert(t.id, t.location.lat, t.location.lng)
        build_ms[name] = round(sw.wall_ms, 1)

    # Position updates are the steady write load: time moves on the H3 index.
    h3i = indexes["h3_r8"]
    move_ids = list(techs)[:10_000]
    with Stopwatch() as sw:
        for tid in move_ids:
            lat, lng = h3i.position(tid)
            h3i.move(tid, lat + 0.0005, lng)
    move_us = sw.wall_ms * 1000.0 / len(move_ids)
    for tid in move_ids:
        lat, lng = h3i.position(tid)
        h3i.move(tid, lat - 0.0005, lng)

    lats = np.array([t.location.lat for t in techs.values()])
    lngs = np.array([t.location.lng for t in techs.values()])
    id_array = np.array(list(techs))
    prefilter: dict[str, list[float]] = {
        k: [] for k in ("h3_r8", "grid_1km", "python_scan", "numpy_scan")
    }
    found = []
    for job in jobs:
        lat, lng = job.location
        results = {}
        for name in ("h3_r8", "grid_1km"):
            with Stopwatch() as sw:
                results[name] = {i for i, _ in indexes[name].nearby(lat, lng, radius_m)}
            prefilter[name].append(sw.wall_ms)
        with Stopwatch() as sw:
            reference = python_scan(techs, job, radius_m)
        prefilter["python_scan"].append(sw.wall_ms)
        with Stopwatch() as sw:
            results["numpy_scan"] = numpy_scan(lats, lngs, id_array, job, radius_m)
        prefilter["numpy_scan"].append(sw.wall_ms)
        if any(r != reference for r in results.values()):
            raise RuntimeError("a prefilter disagrees with the exact scan")
        found.append(len(reference))

    wall: dict[str, list[float]] = {
        k: [] for k in ("h3_r8", "grid_1km", "naive_scan", "no_prefilter")
    }
    cpu: dict[str, list[float]] = {k: [] for k in wall}
    ranked_counts = []
    for job in jobs:
        rankings = []
        for name in ("h3_r8", "grid_1km", "naive_scan"):
            with Stopwatch() as sw:
                d = decide(
                    job, techs, now=NOW, travel=TRAVEL, index=indexes[name], radius_m=radius_m
                )
            wall[name].append(sw.wall_ms)
            cpu[name].append(sw.cpu_ms)
            rankings.append([c.technician_id for c in d.ranked])
        if any(r != rankings[0] for r in rankings):
            raise RuntimeError("indexes disagree on the ranking")
        ranked_counts.append(len(rankings[0]))
    # Without a prefilter every technician goes through eligibility; slow at 50k, so
    # fewer queries there.
    unfiltered = jobs if n <= 10_000 else jobs[: max(5, queries // 10)]
    for job in unfiltered:
        with Stopwatch() as sw:
            decide(job, techs, now=NOW, travel=TRAVEL, index=None)
        wall["no_prefilter"].append(sw.wall_ms)
        cpu["no_prefilter"].append(sw.cpu_ms)
    return {
        "technicians": n,
        "radius_m": radius_m,
        "queries": len(jobs),
        "no_prefilter_queries": len(unfiltered),
        "mean_within_radius": statistics.mean(found),
        "mean_ranked": statistics.mean(ranked_counts),
        "index_build_ms": build_ms,
        "h3_move_us": round(move_us, 2),
        "prefilter_ms": summary(prefilter),
        "decision_ms": summary(wall),
        "decision_cpu_ms": summary(cpu),
    }


def bench_decisions(sizes: list[int], queries: int, radius_m: float, seed: int) -> list[dict]:
    rows = []
    for n in sizes:
        rows.append(bench_one_size(n, queries, radius_m, seed))
        print(f"  {n:>6} technicians done", flush=True)
    return rows


# ------------------------------------------------------------------ part 2


def city_scores(
    n_jobs: int, n_techs: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Score/distance/feasibility matrices shaped like the real scorer's output."""
    span = CITY_HALF_KM * 1000.0
    jobs = rng.uniform(-span, span, (n_jobs, 2))
    techs = rng.uniform(-span, span, (n_techs, 2))
    dist = np.hypot(jobs[:, None, 0] - techs[None, :, 0], jobs[:, None, 1] - techs[None, :, 1])
    quality = rng.uniform(0.3, 1.0, n_techs)  # rating/level/fairness/acceptance blend
    proximity = 3000.0 / (3000.0 + dist)
    scores = 0.4 * proximity + 0.6 * quality[None, :]
    skill_ok = rng.random((n_jobs, n_techs)) < 0.6
    feasible = (dist <= 10_000.0) & skill_ok
    return np.where(feasible, scores, np.nan), dist, feasible


def run_solvers(scores: np.ndarray, dist: np.ndarray, feasible: np.ndarray, repeat: int) -> dict:
    solvers = {
        "optimal": lambda: assign_optimal(scores, feasible),
        "optimal_coverage": lambda: assign_optimal(scores, feasible, prefer_coverage=True),
        "greedy_nearest": lambda: greedy_nearest_first(np.nan_to_num(scores), dist, feasible),
        "greedy_best": lambda: greedy_best_first(scores, feasible),
    }
    out = {}
    for name, solve in solvers.items():
        best_ms = math.inf
        result = None
        for _ in range(repeat):
            with Stopwatch() as sw:
                result = solve()
            best_ms = min(best_ms, sw.wall_ms)
        out[name] = {
            "ms": round(best_ms, 2),
            "total": round(result.total, 3),
            "assigned": len(result.pairs),
        }
    return out


def bench_batch(sizes: list[int], seed: int, brute_trials: int) -> dict:
    rng = np.random.default_rng(seed)
    rows = []
    for n in sizes:
        scores, dist, feasible = city_scores(n, n, rng)
        res = run_solvers(scores, dist, feasible, repeat=5 if n <= 200 else 2)
        opt = res["optimal"]["total"]
        rows.append(
            {
                "size": f"{n}x{n}",
                "feasible_share": round(float(feasible.mean()), 3),
                **res,
                "gain_vs_greedy_nearest_pct": round(
                    100 * (opt / res["greedy_nearest"]["total"] - 1), 2
                ),
                "gain_vs_greedy_best_pct": round(100 * (opt / res["greedy_best"]["total"] - 1), 2),
            }
        )
        print(f"  batch {n}x{n} done", flush=True)

    exact = 0
    worst = 0.0
    for _ in range(brute_trials):
        j, t = int(rng.integers(1, 7)), int(rng.integers(1, 8))
        s, _, f = city_scores(j, t, rng)
        diff = abs(assign_optimal(s, f).total - assign_exhaustive(s, f).total)
        worst = max(worst, diff)
        exact += diff <= 1e-9
    brute = {
        "trials": brute_trials,
        "sizes": "1..6 jobs x 1..7 technicians",
        "exact_matches": exact,
        "max_abs_diff": worst,
    }

    # The matrix from full technician facts (eligibility + scoring for every pair).
    prng = random.Random(seed)
    techs = {t.id: t for t in (make_technician(k, prng) for k in range(100))}
    jobs = [make_job(k, prng) for k in range(100)]
    index = GridIndex(1000.0)
    for t in techs.values():
        index.insert(t.id, t.location.lat, t.location.lng)
    with Stopwatch() as build:
        m = batch_matrix(jobs, techs, now=NOW, travel=TRAVEL, index=index, radius_m=10_000)
    with Stopwatch() as solve:
        result = assign_optimal(m.scores, m.feasible)
    facts = {
        "size": "100x100",
        "feasible_pairs": int(m.feasible.sum()),
        "build_ms": round(build.wall_ms, 1),
        "solve_ms": round(solve.wall_ms, 2),
        "assigned": len(result.pairs),
    }
    return {"matrices": rows, "brute_force": brute, "from_facts": facts}


# ------------------------------------------------------------------ output


def print_tables(dec: list[dict], batch: dict) -> None:
    print()
    radius_km = dec[0]["radius_m"] / 1000
    for key, title in (("decision_ms", "wall clock"), ("decision_cpu_ms", "thread CPU time")):
        print(f"One dispatch decision, radius {radius_km:g} km, {title}: ms p50 / p95")
        print(
            f"{'techs':>7} {'in radius':>9} {'ranked':>7} | {'H3 index':>15} {'grid index':>15} "
            f"{'naive scan':>15} | {'no prefilter':>17}"
        )
        for r in dec:
            d = r[key]
            cells = " ".join(
                f"{d[k]['p50']:>6.2f} / {d[k]['p95']:>6.2f}"
                for k in ("h3_r8", "grid_1km", "naive_scan")
            )
            print(
                f"{r['technicians']:>7} {r['mean_within_radius']:>9.0f} {r['mean_ranked']:>7.1f} | "
                f"{cells} | {d['no_prefilter']['p50']:>7.1f} / {d['no_prefilter']['p95']:>7.1f}"
            )
        print()
    print("Prefilter only (candidates + exact distance), wall clock: ms p50 / p95")
    print(
        f"{'techs':>7} | {'H3 index':>15} {'grid index':>15} {'python scan':>17} "
        f"{'numpy scan':>15} | {'H3 move us':>10}"
    )
    for r in dec:
        p = r["prefilter_ms"]
        cells = " ".join(
            f"{p[k]['p50']:>6.3f} / {p[k]['p95']:>6.3f}" for k in ("h3_r8", "grid_1km")
        )
        print(
            f"{r['technicians']:>7} | {cells} "
            f"{p['python_scan']['p50']:>7.2f} / {p['python_scan']['p95']:>7.2f} "
            f"{p['numpy_scan']['p50']:>6.3f} / {p['numpy_scan']['p95']:>6.3f} | "
            f"{r['h3_move_us']:>10.2f}"
        )
    print()
    print("Batch assignment: best-of-runs ms, total score, jobs assigned")
    print(
        f"{'size':>10} {'feasible':>8} | {'optimal':>22} {'optimal, coverage':>22} "
        f"{'greedy nearest':>22} {'greedy best':>22} | {'gain/nearest':>12} {'gain/best':>9}"
    )
    for r in batch["matrices"]:
        cells = " ".join(
            f"{r[k]['ms']:>7.1f} {r[k]['total']:>9.2f} {r[k]['assigned']:>4}"
            for k in ("optimal", "optimal_coverage", "greedy_nearest", "greedy_best")
        )
        print(
            f"{r['size']:>10} {r['feasible_share']:>8.0%} | {cells} | "
            f"{r['gain_vs_greedy_nearest_pct']:>11.2f}% {r['gain_vs_greedy_best_pct']:>8.2f}%"
        )
    b = batch["brute_force"]
    print(
        f"Exactness vs brute force ({b['sizes']}): {b['exact_matches']}/{b['trials']} equal "
        f"totals, max difference {b['max_abs_diff']:.2e}"
    )
    f = batch["from_facts"]
    print(
        f"100x100 from full facts: matrix {f['build_ms']:.0f} ms "
        f"({f['feasible_pairs']} feasible pairs), solve {f['solve_ms']:.2f} ms, "
        f"{f['assigned']} assigned"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,50000", help="technician counts")
    ap.add_argument("--queries", type=int, default=100, help="jobs per size")
    ap.add_argument("--radius-km", type=float, default=5.0, help="prefilter radius")
    ap.add_argument("--batch", default="100,1000", help="square batch sizes")
    ap.add_argument("--brute-trials", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--out", default=str(Path(__file__).resolve().parent / "out" / "dispatch_bench.json")
    )
    args = ap.parse_args(argv)

    sizes = [int(x) for x in args.sizes.split(",") if x]
    load_start = list(os.getloadavg())
    print("Dispatch decisions...", flush=True)
    dec = bench_decisions(sizes, args.queries, args.radius_km * 1000.0, args.seed)
    print("Batch assignment...", flush=True)
    batch = bench_batch([int(x) for x in args.batch.split(",") if x], args.seed, args.brute_trials)
    print_tables(dec, batch)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_at_start": load_start,
            "load_average_at_end": list(os.getloadavg()),
        },
        "city": {"center": list(CENTER), "size_km": 2 * CITY_HALF_KM},
        "decisions": dec,
        "batch": batch,
    }
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
