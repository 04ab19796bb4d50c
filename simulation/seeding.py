"""The demo district a simulated day runs in: reading and seeding it, the services its
technicians can do, and ids that repeat from run to run."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from ulid import ULID

from server.auth import service as auth_service
from server.catalog import service as catalog_service
from server.core import ids
from server.core.clock import FrozenClock
from server.core.settings import Settings
from server.core.uow import Parts, UnitOfWork
from server.demo import seed_demo
from server.dispatch import service as dispatch_service
from server.rules import store as rules_store
from simulation.world import SimConfig

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_city(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506


@contextmanager
def seeded_ids(seed: int, phase: int) -> Iterator[None]:
    """Ids from a seeded counter instead of the wall clock and os.urandom, while the
    block runs: dispatch breaks exact ties by id and lists technicians in id order, so
    the same seed then gives the same run. ``phase`` keeps the streams of seeding and
    of the run apart (they write to the same database)."""
    rng = random.Random(f"ids-{seed}-{phase}")
    counter = itertools.count(1)
    base = (1_780_000_000_000 + phase * 86_400_000) << 80

    def make() -> ULID:
        return ULID.from_int(base | (next(counter) << 32) | rng.getrandbits(32))

    real = ids.ULID
    ids.ULID = make  # type: ignore[assignment]
    try:
        yield
    finally:
        ids.ULID = real


def forget_process_state() -> None:
    """Runs in one process share two memos keyed by ids and times that repeat from run to
    run with seeded ids: the cascade's "recently unplaced" orders and the parsed rules."""
    dispatch_service._unplaced.clear()
    rules_store._cache.clear()


def _is_seeded(uow: UnitOfWork, city: dict[str, Any]) -> bool:
    admin = next(str(s["phone"]) for s in city["demo_seed"]["staff"] if s["role"] == "admin")
    return auth_service.find_by_phone(uow, phone=admin) is not None


def seed_city(*, engine: Any, settings: Settings, config: SimConfig, city_path: Path) -> None:
    """Seed the district (catalog, technicians, customers, staff) as of ``config.start``."""
    parts = Parts.on(engine, settings, clock=FrozenClock(config.start))
    city = load_city(city_path)
    with UnitOfWork.begin(parts) as uow, seeded_ids(config.seed, 0):
        if not _is_seeded(uow, city):
            seed_demo(uow, city_path=city_path, history=False)


def services_with_supply(uow: UnitOfWork, techs: list[Any]) -> tuple[list[Any], list[int]]:
    """Services online, verified technicians can do (skills and papers), with how many
    can do each: demand follows supply, as it does in a market that has settled."""
    out, counts = [], []
    for svc in catalog_service.search(uow):
        need_skills = set(svc.skills or [])
        need_certs = set(svc.certificates or [])
        if svc.duration_minutes > 12 * 60:
            continue  # live-in packages are booked days ahead, not for the same day
        able = sum(
            1
            for t in techs
            if need_skills <= set(t.skills) and need_certs <= {c.type for c in t.certificates}
        )
        if able:
            out.append(svc)
            counts.append(able)
    return out, counts
