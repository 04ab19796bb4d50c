"""End-to-end dispatch against a database: one cascade round and one slots query.

A SQLite database is seeded with 1k / 10k verified technicians spread over a 40 x 40 km
city (Beijing), each with skills, certificates, a circle or polygon service area, a live
position when online, booked and completed orders and a year of reviews. Then, side by
side on the same data:

- "full load": ``load_world`` reads every technician's facts (certificates, time off,
  40 days of orders, 365 days of reviews) and the engine's index picks candidates;
- "prefilter": ``reachable`` first reads a few columns of the technicians whose last
  position or home base falls in a box around the orders (indexed columns), keeps those
  within the search radius whose service area contains the address, and loads only them.

A round places the waiting orders (cascade mode, default rules: 15 km search radius);
each run starts from a fresh copy of the seeded database, so both variants see the
same waiting orders. The bench checks that both variants make the same decisions (the
same candidates in the same order with the same scores, the same offers) and the same
slot counts. Writes bench/out/dispatch_round.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from servers import unit_of_work  # noqa: E402
from sqlmodel import Session, SQLModel, col, select  # noqa: E402

import server.models  # noqa: E402, F401
from server import bootstrap  # noqa: E402
from server.auth.models import User  # noqa: E402
from server.catalog import service as catalog_service  # noqa: E402
from server.core import presence  # noqa: E402
from server.core.clock import FrozenClock  # noqa: E402
from server.core.db import make_engine  # noqa: E402
from server.dispatch import booking, dispatcher  # noqa: E402
from server.dispatch import service as dispatch_service  # noqa: E402
from server.dispatch import world as dispatch_world  # noqa: E402
from server.dispatch.geo import LatLng  # noqa: E402
from server.dispatch.models import DispatchDecisionRecord, DispatchOffer  # noqa: E402
from server.dispatch.reach import search_boxes  # noqa: E402
from server.orders.models import Order  # noqa: E402
from server.reviews.models import Review  # noqa: E402
from server.technicians import availability  # noqa: E402
from server.technicians import service as technicians_service  # noqa: E402
from server.technicians.models import Certificate, TechnicianProfile, area_box  # noqa: E402

CENTER = (39.9042, 116.4074)
HALF_KM = 20.0  # a 40 km x 40 km city
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # 10:00 Beijing, a Monday
TZ = "Asia/Shanghai"
SERVICE = "svc_daily_cleaning"  # skill cleaning, certificate health
SKILLS = [
    "cleaning",
    "housekeeping",
    "cooking",
    "elder_care",
    "childcare",
    "appliance_cleaning",
    "appliance_repair",
    "plumbing",
    "electrical",
    "installation",
]
CERT_FOR = {"cleaning": "health", "housekeeping": "health", "electrical": "electrician"}
KM_LAT = 111.195
KM_LNG = KM_LAT * math.cos(math.radians(CENTER[0]))


def _point(rng: random.Random) -> tuple[float, float]:
    return (
        CENTER[0] + rng.uniform(-HALF_KM, HALF_KM) / KM_LAT,
        CENTER[1] + rng.uniform(-HALF_KM, HALF_KM) / KM_LNG,
    )


def empty_database(path: Path) -> None:
    """Schema and catalog (built once, copied for each city)."""
    engine = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    with unit_of_work(engine) as uow:
        catalog_service.load_catalog(uow)
    engine.dispose()


def seed(path: Path, n_techs: int, n_waiting: int, seed_: int = 7) -> dict[str, Any]:
    """A city of ``n_techs`` technicians, their history, and ``n_waiting`` paid orders
    waiting for dispatch tomorrow morning (into a copy of ``empty_database``)."""
    rng = random.Random(seed_)
    engine = make_engine(f"sqlite:///{path}")
    weekly = availability.normalize_weekly(
        {d: [["08:00", "20:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    )
    users: list[dict] = []
    profiles: list[dict] = []
    certs: list[dict] = []
    orders: list[dict] = []
    reviews: list[dict] = []
    customers = [f"usr_c{k:05d}" for k in range(300)]
    for cid in customers:
        users.append(_user(cid, "customer"))

    def order(oid: str, status: str, tech: str | None, start: datetime, where) -> dict:  # noqa: ANN001
        return dict(
            id=oid,
            customer_id=rng.choice(customers),
            technician_id=tech,
            service_id=SERVICE,
            status=status,
            version=1,
            last_seq=0,
            scheduled_start=start,
            scheduled_end=start + timedelta(hours=3),
            address_enc="x",
            point_enc="x",
            lat=where[0],
            lng=where[1],
            district="",
            currency="CNY",
            total=12_000,
            extras_total=0,
            price_snapshot={},
            created_at=NOW - timedelta(days=1),
            updated_at=NOW - timedelta(days=1),
            accepted_at=start - timedelta(days=1) if tech else None,
        )

    for k in range(n_techs):
        tid = f"usr_t{k:06d}"
        users.append(_user(tid, "technician"))
        home = _point(rng)
        skills = sorted(set(rng.sample(SKILLS, rng.randint(1, 3))))
        online = rng.random() < 0.7
        profile = TechnicianProfile(
            user_id=tid,
            skills=skills,
            verification_status="verified",
            online=online,
            level=rng.choice("SABBBC"),
            max_distance_km=rng.choice([None, None, 5.0, 8.0, 10.0]),
            travel_mode=rng.choice(["ebike", "ebike", "car"]),
            weekly_availability=weekly if rng.random() < 0.5 else None,
            rating_avg=round(rng.uniform(4.2, 5.0), 2),
            rating_count=rng.randint(5, 300),
            good_rate_30d=round(rng.uniform(0.85, 1.0), 3),
            reviews_30d=rng.randint(0, 20),
            offers_received=100,
            offers_accepted=rng.randint(50, 100),
            completed_orders=rng.randint(5, 300),
            complaint_rate=round(rng.uniform(0, 0.04), 3),
            created_at=NOW - timedelta(days=400),
            updated_at=NOW - timedelta(days=1),
        )
        if k % 10 == 3:  # some draw their area on the map
            d = rng.uniform(2, 5)
            profile.area_polygon = [
                [home[0] + d / KM_LAT, home[1] - d / KM_LNG],
                [home[0] + d / KM_LAT, home[1] + d / KM_LNG],
                [home[0] - d / KM_LAT, home[1] + d / KM_LNG],
                [home[0] - d / KM_LAT, home[1] - d / KM_LNG],
            ]
        else:
            profile.area_center_lat, profile.area_center_lng = home
            profile.area_radius_km = rng.choice([3.0, 4.0, 5.0, 6.0, 8.0])
        # rows go in with Core (fast), past the ORM hook that keeps the box: set it here
        box = area_box(profile)
        profile.area_lat_min, profile.area_lat_max, profile.area_lng_min, profile.area_lng_max = box
        live_age = timedelta(minutes=rng.randint(1, 30)) if online else timedelta(hours=10)
        profile.last_lat = home[0] + rng.uniform(-1, 1) / KM_LAT
        profile.last_lng = home[1] + rng.uniform(-1, 1) / KM_LNG
        profile.last_located_at = NOW - live_age
        profiles.append(profile.model_dump())
        for skill in skills:
            if skill in CERT_FOR and rng.random() < 0.9:
                certs.append(
                    dict(
                        id=f"crt_{k}_{skill}",
                        technician_id=tid,
                        type=CERT_FOR[skill],
                        file_id="fil_x",
                        number="N",
                        expires_on=None,
                        status="verified",
                        note="",
                        created_at=NOW - timedelta(days=300),
                    )
                )
        # history: three completed jobs (each reviewed) and one booked in the coming days
        for j in range(3):
            when = NOW - timedelta(days=rng.randint(1, 39), hours=rng.randint(0, 8))
            oid = f"ord_{k}_{j}"
            orders.append(order(oid, "COMPLETED", tid, when, _point(rng)))
            stars = rng.choice([4, 5, 5, 5])
            reviews.append(
                dict(
                    id=f"rev_{k}_{j}",
                    order_id=oid,
                    author_id=orders[-1]["customer_id"],
                    author_role="customer",
                    subject_id=tid,
                    response=stars,
                    skill=stars,
                    attitude=stars,
                    care=stars,
                    overall=float(stars),
                    text="",
                    photo_file_ids=[],
                    status="visible",
                    created_at=when + timedelta(hours=5),
                )
            )
        start = NOW + timedelta(days=rng.randint(0, 6), hours=rng.randint(0, 8))
        orders.append(order(f"ord_{k}_b", "ACCEPTED", tid, start, _point(rng)))
    tomorrow = NOW + timedelta(days=1)  # 10:00 Beijing tomorrow
    waiting = [
        order(f"ord_wait_{k}", "PENDING_DISPATCH", None, tomorrow, _point(rng))
        for k in range(n_waiting)
    ]
    with engine.begin() as conn:
        for model, rows in (
            (User, users),
            (TechnicianProfile, profiles),
            (Certificate, certs),
            (Order, orders + waiting),
            (Review, reviews),
        ):
            conn.execute(model.__table__.insert(), rows)  # type: ignore[attr-defined]
    engine.dispose()
    return {
        "technicians": n_techs,
        "online": sum(1 for p in profiles if p["online"]),
        "orders_in_history": len(orders),
        "reviews": len(reviews),
        "waiting": [(o["lat"], o["lng"]) for o in waiting],
    }


def _user(uid: str, role: str) -> dict:
    return dict(
        id=uid,
        role=role,
        name=uid[-6:],
        phone_enc="x",
        phone_index=uid,
        password_hash="x",
        status="active",
        token_version=0,
        created_at=NOW - timedelta(days=400),
    )


def _copy(src: Path, dst: Path) -> None:
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)


def _outcome(engine) -> list:  # noqa: ANN001
    with Session(engine) as s:
        decisions = s.exec(
            select(DispatchDecisionRecord).order_by(col(DispatchDecisionRecord.order_id))
        ).all()
        offers = s.exec(select(DispatchOffer).order_by(col(DispatchOffer.order_id))).all()
        return [
            [(d.order_id, d.outcome, d.chosen_technician_id, d.candidates) for d in decisions],
            [(o.order_id, o.technician_id, o.score) for o in offers],
        ]


def _timed(fn) -> tuple[float, float, Any]:  # noqa: ANN001
    c0, w0 = time.process_time(), time.perf_counter()
    result = fn()
    return (time.process_time() - c0) * 1000, (time.perf_counter() - w0) * 1000, result


_loaded: list[int] = []  # technicians in each world load_world built


def _count_loads() -> None:
    """Wrap ``load_world`` to record how many technicians' facts each call loaded, where
    the round (``dispatcher.run_round``) and the slots query (``booking.day_slots``)
    look it up."""
    real = dispatch_world.load_world

    def counting(uow, **kw):  # noqa: ANN001, ANN003, ANN202
        world = real(uow, **kw)
        _loaded.append(len(world.techs))
        return world

    dispatcher.load_world = counting
    booking.load_world = counting


def _apps_open(uow) -> None:  # noqa: ANN001
    """Every online technician's app is open (its live feed's sign of life, before the
    timing): the round offers to technicians online and present."""
    online = uow.session.exec(
        select(TechnicianProfile.user_id).where(col(TechnicianProfile.online))
    ).all()
    for tid in online:
        presence.mark_seen(uow, tid, uow.clock.now())


def bench_round(template: Path, work: Path, *, prefilter: bool, repeats: int) -> dict:
    """``run_round`` on a fresh copy of the seeded database, ``repeats`` times."""
    cpu, wall = [], []
    outcome: list = []
    for _ in range(repeats):
        db = work / f"round_{int(prefilter)}.db"
        db.unlink(missing_ok=True)
        _copy(template, db)
        engine = make_engine(f"sqlite:///{db}")
        dispatch_service._unplaced.clear()
        with unit_of_work(engine, clock=FrozenClock(NOW)) as uow:
            _apps_open(uow)
            c, w, report = _timed(
                lambda u=uow: dispatch_service.run_round(u, timezone=TZ, prefilter=prefilter)
            )
        cpu.append(c)
        wall.append(w)
        outcome = [report.model_dump(), *_outcome(engine)]
        engine.dispose()
    return {"cpu_ms": cpu, "wall_ms": wall, "loaded": _loaded[-1], "outcome": outcome}


def bench_slots(template: Path, point: tuple[float, float], *, prefilter: bool, repeats: int):
    """One address's slots tomorrow (read only: the same database every time)."""
    engine = make_engine(f"sqlite:///{template}")
    cpu, wall, result = [], [], None
    for _ in range(repeats):
        with unit_of_work(engine, clock=FrozenClock(NOW)) as uow:
            c, w, result = _timed(
                lambda u=uow: dispatch_service.day_slots(
                    u,
                    service_id=SERVICE,
                    day=(NOW + timedelta(days=1)).date(),
                    lat=point[0],
                    lng=point[1],
                    units=None,
                    timezone=TZ,
                    prefilter=prefilter,
                )
            )
        cpu.append(c)
        wall.append(w)
    engine.dispose()
    return {
        "cpu_ms": cpu,
        "wall_ms": wall,
        "loaded": _loaded[-1],
        "slots": result.model_dump(mode="json"),
    }


def bench_reach(template: Path, points: list, *, repeats: int) -> dict:
    """The prefilter alone: the database search and the exact radius and area tests."""
    engine = make_engine(f"sqlite:///{template}")
    pts = [LatLng(*p) for p in points]
    cpu, wall = [], []
    with unit_of_work(engine, clock=FrozenClock(NOW)) as uow:
        rows = len(technicians_service.whereabouts(uow, boxes=search_boxes(pts)))
        for _ in range(repeats):
            c, w, found = _timed(
                lambda u=uow: dispatch_service.reachable(u, points=pts, now=NOW, radius_m=15_000.0)
            )
            cpu.append(c)
            wall.append(w)
    engine.dispose()
    return {"cpu_ms": cpu, "wall_ms": wall, "rows_read": rows, "kept": len(set().union(*found))}


def _p50(xs: list[float]) -> float:
    return round(statistics.median(xs), 1)


def main() -> None:
    bootstrap.wire()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--waiting", type=int, default=3, help="orders waiting in the round")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(Path(__file__).parent / "out" / "dispatch_round.json"))
    args = ap.parse_args()
    results: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_avg": os.getloadavg(),
        },
        "city_km": 2 * HALF_KM,
        "search_radius_km": 15.0,
        "waiting_orders": args.waiting,
        "runs": [],
    }
    rows = []
    _count_loads()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        empty = work / "empty.db"
        empty_database(empty)
        for n in (int(s) for s in args.sizes.split(",")):
            template = work / f"city_{n}.db"
            t0 = time.perf_counter()
            _copy(empty, template)
            seeded = seed(template, n, args.waiting)
            seeded["seed_s"] = round(time.perf_counter() - t0, 1)
            run: dict[str, Any] = {"seeded": seeded}
            for name, pre in (("full", False), ("prefilter", True)):
                run[f"round_{name}"] = bench_round(
                    template, work, prefilter=pre, repeats=args.repeats
                )
                run[f"slots_{name}"] = bench_slots(
                    template, seeded["waiting"][0], prefilter=pre, repeats=args.repeats
                )
            run["reach"] = bench_reach(template, seeded["waiting"], repeats=args.repeats)
            same_round = run["round_full"]["outcome"] == run["round_prefilter"]["outcome"]
            same_slots = run["slots_full"]["slots"] == run["slots_prefilter"]["slots"]
            assert same_round and same_slots, "the prefilter changed a decision"
            run["identical"] = {"round": same_round, "slots": same_slots}
            for name in ("full", "prefilter"):  # keep the file small: the verdict is above
                run[f"round_{name}"]["report"] = run[f"round_{name}"].pop("outcome")[0]
                slots = run[f"slots_{name}"].pop("slots")["slots"]
                run[f"slots_{name}"]["available"] = [s["available"] for s in slots]
            results["runs"].append(run)
            report = run["round_full"]["report"]
            for what in ("round", "slots"):
                full, fast = run[f"{what}_full"], run[f"{what}_prefilter"]
                rows.append(
                    (
                        n,
                        what,
                        full["loaded"],
                        fast["loaded"],
                        _p50(full["cpu_ms"]),
                        _p50(fast["cpu_ms"]),
                        _p50(full["wall_ms"]),
                        _p50(fast["wall_ms"]),
                    )
                )
            reach = run["reach"]
            print(
                f"{n} technicians seeded in {seeded['seed_s']} s; round: {report['offered']} "
                f"offered, {report['no_candidate']} without candidate; identical decisions; "
                f"prefilter alone {_p50(reach['cpu_ms'])} ms CPU ({reach['rows_read']} rows "
                f"read, {reach['kept']} kept)"
            )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, default=str))
    print("\ntechnicians | what | loaded full / prefilter | CPU ms full / prefilter (x) | wall ms")
    for n, what, lf, lp, cf, cp, wf, wp in rows:
        print(
            f"{n} | {what} | {lf} / {lp} | {cf} / {cp} "
            f"({cf / cp:.1f}x) | {wf} / {wp} ({wf / wp:.1f}x)"
        )
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
