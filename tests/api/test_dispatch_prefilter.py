"""A round loads facts only for technicians within reach of the waiting orders, and
decides exactly as a round that loads every technician does."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from server.core.db import make_engine
from server.core.uow import Parts, UnitOfWork
from server.dispatch import booking, dispatcher, world
from server.dispatch import service as dispatch_service
from server.dispatch.models import DispatchDecisionRecord, DispatchOffer
from server.technicians import service as technicians_service
from tests.api.test_dispatch import (
    ADDRESS,
    apps_open,
    north_km,
    paid_order,
    ready_technician,
    set_rules,
)
from tests.unit_of_work import unit_of_work

SECOND = north_km(25)  # a second waiting order, 25 km north of the first


@pytest.fixture
def db_kind() -> str:
    """SQLite only: the comparison runs a round on a byte-for-byte copy of the database,
    made with SQLite's backup API. The prefilter's SQL runs on PostgreSQL too, in every
    dispatch test of tests/api/test_dispatch.py."""
    return "sqlite"


def _clone(engine, path: Path):  # noqa: ANN001, ANN202
    """A copy of the test database (SQLite's backup API, safe with WAL)."""
    raw = engine.raw_connection()
    try:
        target = sqlite3.connect(path)
        raw.driver_connection.backup(target)
        target.close()
    finally:
        raw.close()
    return make_engine(f"sqlite:///{path}")


def _district(api) -> dict[str, str]:  # noqa: ANN001
    """Technicians near and far from ADDRESS (and SECOND); name -> id."""
    operator = api.staff("operator")
    clock = api.app.state.clock
    techs = {
        "near": ready_technician(api, "近", home=north_km(1), operator=operator),
        "near2": ready_technician(api, "近二", home=north_km(3), operator=operator),
        "no_skill": ready_technician(
            api, "维修", home=north_km(2), skills=("appliance_repair",), operator=operator
        ),
        # within the search radius of ADDRESS, but its area (10 km) does not reach it
        "wrong_area": ready_technician(api, "区外", home=north_km(12), operator=operator),
        "far": ready_technician(api, "远", home=north_km(30), operator=operator),
        "farther": ready_technician(api, "更远", home=north_km(45), operator=operator),
        "polygon": ready_technician(api, "多边形", home=north_km(6), operator=operator),
        # home 20 km off, found by the live position 2 km away
        "mover": ready_technician(api, "路上", home=north_km(20), operator=operator),
        # live position far but stale: indexed at the home base nearby
        "stale": ready_technician(api, "旧位置", home=north_km(2), operator=operator),
    }
    polygon = [[39.95, 116.42], [39.95, 116.48], [39.91, 116.48], [39.91, 116.42]]
    r = api.put("/technician/service-area", techs["polygon"], json={"polygon": polygon})
    assert r.status_code == 200, r.text
    r = api.put(
        "/technician/service-area",
        techs["mover"],
        json={"center": dict(zip(("lat", "lng"), north_km(20), strict=True)), "radius_km": 25},
    )
    assert r.status_code == 200, r.text
    stale_at = north_km(30)
    r = api.post(
        "/technician/location", techs["stale"], json={"lat": stale_at[0], "lng": stale_at[1]}
    )
    assert r.status_code == 200, r.text
    clock.advance(hours=3)  # every live position is stale now ...
    with unit_of_work(api.app) as uow:  # ... but the mover's, reported again
        technicians_service.update_location(
            uow,
            user_id=techs["mover"]["id"],
            lat=north_km(2)[0],
            lng=north_km(2)[1],
            at=clock.now(),
        )
    apps_open(api.app.state, [t["id"] for t in techs.values()])  # still waiting for orders
    return {name: t["id"] for name, t in techs.items()}


def _spy(monkeypatch) -> list[set[str] | None]:  # noqa: ANN001
    """Records the ids each load_world was asked for (None: everyone), where rounds and
    slots look it up."""
    calls: list[set[str] | None] = []
    real = world.load_world

    def spy(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        ids = kwargs.get("ids")
        calls.append(None if ids is None else set(ids))
        return real(*args, **kwargs)

    monkeypatch.setattr(dispatcher, "load_world", spy)
    monkeypatch.setattr(booking, "load_world", spy)
    return calls


def _outcome(engine) -> dict:  # noqa: ANN001
    """What the round decided: per order its decisions (candidates with scores, choice)
    and offers."""
    with Session(engine) as s:
        decisions = s.exec(
            select(DispatchDecisionRecord).order_by(col(DispatchDecisionRecord.order_id))
        ).all()
        offers = s.exec(select(DispatchOffer).order_by(col(DispatchOffer.order_id))).all()
        return {
            "decisions": [
                (d.order_id, d.mode, d.outcome, d.chosen_technician_id, d.eligible, d.candidates)
                for d in decisions
            ],
            "offers": [(o.order_id, o.technician_id, o.score, o.distance_m) for o in offers],
            "rejected": {d.order_id: set(d.rejected["technicians"]) for d in decisions},
        }


@pytest.mark.parametrize("mode", ["cascade", "batch"])
def test_round_with_prefilter_decides_as_the_full_load_and_never_loads_far_technicians(
    api,
    monkeypatch,
    tmp_path,
    mode,  # noqa: ANN001
):
    ids = _district(api)
    operator = api.staff("operator")
    if mode == "batch":
        set_rules(api, operator, {"dispatch": {"mode": "batch"}})
    customer = api.register("customer", "张女士")
    first = paid_order(api, customer)
    second = paid_order(
        api,
        customer,
        address={"lat": SECOND[0], "lng": SECOND[1], "text": "北边的小区1号楼", "district": "北苑"},
    )
    engine = api.app.state.engine
    full_engine = _clone(engine, tmp_path / "full.db")
    calls = _spy(monkeypatch)
    state, tz = api.app.state, api.app.state.settings.timezone
    on_the_copy = Parts(
        engine=full_engine,
        clock=state.clock,
        cipher=state.cipher,
        settings=state.settings,
        jobs=state.jobs,
    )
    apps_open(on_the_copy, ids.values())  # the same apps are open for the copy's round

    with unit_of_work(api.app) as uow:
        fast = dispatch_service.run_round(uow, timezone=tz)
    with UnitOfWork.begin(on_the_copy) as uow:  # the same app, on the copy of its database
        full = dispatch_service.run_round(uow, timezone=tz, prefilter=False)

    (loaded, everyone) = calls
    assert everyone is None
    assert loaded == {
        ids[n] for n in ("near", "near2", "no_skill", "polygon", "mover", "stale", "far")
    }
    assert fast.model_dump() == full.model_dump() and fast.offered == 2
    got, want = _outcome(engine), _outcome(full_engine)
    assert got["decisions"] == want["decisions"] and got["offers"] == want["offers"]
    by_order = {d[0]: d for d in got["decisions"]}
    ranked = [c["technician_id"] for c in by_order[first["id"]][5]]
    assert set(ranked) == {ids[n] for n in ("near", "near2", "polygon", "mover", "stale")}
    assert [c["technician_id"] for c in by_order[second["id"]][5]][0] == ids["far"]
    if mode == "cascade":
        # The full load also lists the technician in range whose area misses the address;
        # the prefiltered decision lists only those who could serve it.
        assert want["rejected"][first["id"]] == {ids["no_skill"], ids["wrong_area"]}
        assert got["rejected"][first["id"]] == {ids["no_skill"]}
    full_engine.dispose()


def test_slots_with_prefilter_count_as_the_full_load(api, monkeypatch):  # noqa: ANN001
    ids = _district(api)
    calls = _spy(monkeypatch)
    clock, tz = api.app.state.clock, api.app.state.settings.timezone
    day = (clock.now() + timedelta(days=1)).date()
    with unit_of_work(api.app) as uow:
        for at in (ADDRESS, SECOND):
            args = dict(
                service_id="svc_daily_cleaning",
                day=day,
                lat=at[0],
                lng=at[1],
                units=None,
                timezone=tz,
            )
            fast = dispatch_service.day_slots(uow, **args)
            full = dispatch_service.day_slots(uow, **args, prefilter=False)
            assert fast == full and any(slot.available > 0 for slot in fast.slots)
    near_first, everyone, near_second, _ = calls
    assert everyone is None
    assert near_first == {
        ids[n] for n in ("near", "near2", "no_skill", "polygon", "mover", "stale")
    }
    assert near_second == {ids["far"]}
