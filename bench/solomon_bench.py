"""Fleet planner on the Solomon VRPTW instances, against best-known solutions.

For every instance file in the directory (default ../shared/benchmarks/solomon/ from the
repository root), run the PyVRP planner of ``server.dispatch.vrptw`` (through
``simulation.solomon``) with a fixed time limit and report distance (original units,
recomputed exactly from the routes), vehicles, feasibility checked independently in
original units, the gap to the best-known distance and the vehicle difference.

Three objectives, because the literature ranks by vehicles first and distance second:
- ``distance``: PyVRP's plain objective, total distance with up to 25 vehicles. It can
  beat the best-known distance by using more vehicles than the best-known solution.
- ``fleet``: a fixed cost per vehicle (1000 distance units) in front of the distance,
  which approximates the hierarchical objective of the best-known solutions.
- ``hierarchical``: vehicles first, then distance: PyVRP's ``minimise_fleet`` on part of
  the time (``--fleet-share``), then the fleet objective on the fleet it found, starting
  from its feasible plan (``solve_vrptw(fleet_share=...)``).

By default all three at 9.5 s each, so a run stays within 10 s of wall time per
instance. ``--families R1,RC1,R2`` keeps those series (R1 is not RC1). Writes
bench/out/solomon.json and prints a table; per instance, the vehicles against the best
known and the distance gap, and in the summary how many reach the best-known fleet.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulation.solomon import read_solomon, solve_solomon  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DIR = REPO / ".." / "shared" / "benchmarks" / "solomon"
SCALE = 100
FLEET_COST = 1000 * SCALE  # per vehicle, in scaled distance units
OBJECTIVES = {"distance": 0, "fleet": FLEET_COST, "hierarchical": FLEET_COST}


def family(name: str) -> str:
    """``RC105`` -> ``RC1``: the letters and the first digit (the Solomon series)."""
    letters = name.rstrip("0123456789")
    return letters + name[len(letters) : len(letters) + 1]


def gap_pct(distance: float, best_known: float | None) -> float | None:
    if best_known is None:
        return None
    return round(100 * (distance / best_known - 1), 2) + 0.0  # no "-0.0"


def run(
    directory: Path,
    seconds: float,
    seed: int,
    objectives: list[str],
    families: list[str] | None = None,
    fleet_share: float = 0.8,
) -> list[dict]:
    best_path = directory / "best_known.json"
    best = json.loads(best_path.read_text()) if best_path.is_file() else {}
    files = sorted(p for p in directory.glob("*.txt") if not p.name.upper().startswith("LICENSE"))
    if families:
        wanted = {f.upper() for f in families}
        files = [p for p in files if family(p.stem.upper()) in wanted]
    if not files:
        raise SystemExit(f"no Solomon instances in {directory}")
    rows = []
    for path in files:
        inst = read_solomon(path)
        bk = best.get(inst.name, {})
        for objective in objectives:
            t0 = time.perf_counter()
            res = solve_solomon(
                inst,
                seconds=seconds,
                seed=seed,
                scale=SCALE,
                vehicle_fixed_cost=OBJECTIVES[objective],
                fleet_share=fleet_share if objective == "hierarchical" else 0.0,
            )
            wall = time.perf_counter() - t0
            bk_dist = bk.get("best_known_distance")
            bk_veh = bk.get("vehicles")
            row = {
                "instance": inst.name,
                "objective": objective,
                "distance": round(res.distance, 2),
                "vehicles": res.vehicles,
                "feasible": res.feasible,
                "best_known_distance": bk_dist,
                "best_known_vehicles": bk_veh,
                "gap_pct": gap_pct(res.distance, bk_dist),
                "vehicle_diff": None if bk_veh is None else res.vehicles - bk_veh,
                "family": family(inst.name.upper()),
                "solver_s": round(res.runtime_s, 2),
                "wall_s": round(wall, 2),
                "iterations": res.iterations,
            }
            rows.append(row)
            print(
                f"  {inst.name:<6} {objective:<12} {row['distance']:>9.2f} {res.vehicles:>3} veh "
                f"(best known {bk_veh}) gap {row['gap_pct']}% {wall:.1f} s",
                flush=True,
            )
    return rows


def print_table(rows: list[dict], objectives: list[str]) -> None:
    print()
    head = f"{'instance':<9} {'best known':>15} |"
    for obj in objectives:
        label = f"[{obj}] distance"
        head += f" {label:>21} {'veh':>3} {'gap %':>6} {'dveh':>4} {'ok':>3} {'s':>5} |"
    print(head)
    by_inst: dict[str, dict[str, dict]] = {}
    for r in rows:
        by_inst.setdefault(r["instance"], {})[r["objective"]] = r
    for name, per in by_inst.items():
        any_row = next(iter(per.values()))
        bk = (
            f"{any_row['best_known_distance']:>10.2f} {any_row['best_known_vehicles']:>3}v"
            if any_row["best_known_distance"] is not None
            else f"{'-':>15}"
        )
        line = f"{name:<9} {bk:>15} |"
        for obj in objectives:
            r = per[obj]
            gap = "-" if r["gap_pct"] is None else f"{r['gap_pct']:.2f}"
            dveh = "-" if r["vehicle_diff"] is None else f"{r['vehicle_diff']:+d}"
            line += (
                f" {r['distance']:>21.2f} {r['vehicles']:>3} {gap:>6} {dveh:>4} "
                f"{'yes' if r['feasible'] else 'NO':>3} {r['wall_s']:>5.1f} |"
            )
        print(line)
    for obj in objectives:
        gaps = [r["gap_pct"] for r in rows if r["objective"] == obj and r["gap_pct"] is not None]
        dv = [
            r["vehicle_diff"]
            for r in rows
            if r["objective"] == obj and r["vehicle_diff"] is not None
        ]
        feas = sum(r["feasible"] for r in rows if r["objective"] == obj)
        n = sum(1 for r in rows if r["objective"] == obj)
        if gaps:
            at_best = sum(1 for d in dv if d <= 0)
            print(
                f"{obj}: mean gap {statistics.mean(gaps):.2f}%, max {max(gaps):.2f}%, "
                f"vehicles vs best known {sum(dv):+d} in total, best-known fleet reached "
                f"{at_best}/{len(dv)}, feasible {feas}/{n}"
            )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="folder of Solomon .txt files")
    ap.add_argument(
        "--seconds",
        type=float,
        default=9.5,
        help="time limit per instance and objective (9.5: the whole run stays under 10 s)",
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--objective",
        choices=[*OBJECTIVES, "both", "all"],
        default="all",
        help="both: distance and fleet; all: the three",
    )
    ap.add_argument("--families", help="comma-separated series to run, e.g. R1,RC1,R2")
    ap.add_argument(
        "--fleet-share",
        type=float,
        default=0.8,
        help="hierarchical: share of the time spent cutting the fleet",
    )
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "solomon.json")
    args = ap.parse_args(argv)
    objectives = {"both": ["distance", "fleet"], "all": list(OBJECTIVES)}.get(
        args.objective, [args.objective]
    )
    families = args.families.split(",") if args.families else None
    load_start = list(os.getloadavg())
    rows = run(args.dir.resolve(), args.seconds, args.seed, objectives, families, args.fleet_share)
    print_table(rows, objectives)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds_per_run": args.seconds,
        "seed": args.seed,
        "scale": SCALE,
        "fleet_objective_vehicle_cost": FLEET_COST / SCALE,
        "hierarchical_fleet_share": args.fleet_share,
        "families": families,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_at_start": load_start,
            "load_average_at_end": list(os.getloadavg()),
        },
        "results": rows,
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
