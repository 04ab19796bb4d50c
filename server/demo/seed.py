"""``seed_demo``, the entry point of ``doorstep seed-demo``: reads the city file, stops if
the demo admin already exists (idempotent), and otherwise builds the district in order
(customers, technicians, staff, then past orders) and counts what it made.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlmodel import select

from server.auth import service as auth_service
from server.catalog import service as catalog_service
from server.core.uow import UnitOfWork
from server.demo.accounts import AccountsMixin, accounts
from server.demo.history import DispatchHistoryMixin
from server.demo.technicians import TechniciansMixin
from server.technicians.models import TechnicianProfile, VerificationStatus

DEFAULT_CITY = Path(__file__).resolve().parents[2] / "assets" / "demo_city.yaml"


@dataclass
class SeedResult:
    already_seeded: bool
    counts: dict[str, int] = field(default_factory=dict)
    accounts: list[dict[str, str]] = field(default_factory=list)


def _load_city(path: Path) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (a safe loader)
    if "demo_seed" not in data:
        raise ValueError(f"{path} has no demo_seed section")
    return data


def seed_demo(
    uow: UnitOfWork, *, city_path: Path = DEFAULT_CITY, history: bool = True
) -> SeedResult:
    """Build the demo district (idempotent); ``history``: with its weeks of dispatched
    orders (the simulation starts its own day without them)."""
    session = uow.session
    city = _load_city(city_path)
    seed = city["demo_seed"]
    admin_phone = next(str(s["phone"]) for s in seed["staff"] if s["role"] == "admin")
    catalog_counts = catalog_service.load_catalog(uow)
    if auth_service.find_by_phone(uow, phone=admin_phone) is not None:
        total = len(session.exec(select(TechnicianProfile.user_id)).all())
        return SeedResult(already_seeded=True, accounts=accounts(city, total))

    rng = random.Random(int(seed["random_seed"]))
    tz = ZoneInfo(city.get("timezone") or uow.settings.timezone)
    builder = _Builder(uow, city=city, rng=rng, tz=tz)
    customers = builder.customers()
    technicians = builder.technicians()
    builder.staff()
    orders = builder.historic_orders(customers, technicians)
    dispatched, unplaced = builder.dispatch_history(customers, technicians) if history else (0, 0)
    counts = {
        "categories": catalog_counts["categories"],
        "services": catalog_counts["services"],
        "technicians": len(technicians),
        "technicians_online": sum(1 for t in technicians if t.online),
        "technicians_pending": sum(
            1 for t in technicians if t.status == VerificationStatus.pending.value
        ),
        "certificates": builder.certificate_count,
        "customers": len(customers),
        "staff": len(seed["staff"]),
        "orders_completed": len(orders) + dispatched,
        "orders_cancelled": unplaced,  # nobody could take them: the customer cancelled
    }
    return SeedResult(
        already_seeded=False, counts=counts, accounts=accounts(city, len(technicians))
    )


class _Builder(AccountsMixin, TechniciansMixin, DispatchHistoryMixin):
    """The whole district: accounts, technicians and past orders over one run's state."""
