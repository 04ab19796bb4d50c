"""The city simulation behind ``doorstep simulate``: the demo district, a stream of
bookings, and technicians who answer offers (or not), all on a simulated clock.

It drives the real services end to end (quotes, orders, the dispatcher's rounds,
accept/decline/claim) on a throwaway SQLite database, so the figures it reports are
those of the code that runs in production: time to acceptance, offers per order,
distance to the job, how evenly work spreads over technicians, decision latency.
"""

from __future__ import annotations

import json
import math
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import Session, col, select

from server.core.clock import FrozenClock, as_utc
from server.core.errors import AppError
from server.core.settings import Settings
from server.dispatch import service as dispatch_service
from server.dispatch.geo import LatLng, TravelMode, distance_m
from server.dispatch.models import DispatchOffer, OfferStatus
from server.privacy.crypto import FieldCipher

DEFAULT_CITY = Path(__file__).resolve().parents[2] / "assets" / "demo_city.yaml"


@dataclass(frozen=True)
class SimConfig:
    hours: float = 4.0
    orders_per_hour: float = 12.0
    mode: str = "cascade"  # cascade | batch | pool
    seed: int = 7
    tick_seconds: int = 5
    lead_minutes: tuple[int, int] = (60, 8 * 60)  # how far ahead customers book
    response_seconds: tuple[float, float] = (2.0, 16.0)  # how long technicians take to answer
    unanswered_share: float = 0.1  # offers nobody looks at (they time out)
    # Chance per tick that a technician browses the open pool and grabs the nearest
    # order there (every mode has the pool; in pool mode it is the only way).
    claim_probability: float = 0.02
    pool_claim_probability: float = 0.1
    start: datetime = datetime(2026, 6, 1, 0, 30, tzinfo=UTC)  # 08:30 in Beijing, a Monday
    # Extra ``dispatch`` rules written with the mode (e.g. weights for a policy).
    dispatch_rules: dict[str, Any] = field(default_factory=dict)
    policy: str = ""  # a label for comparisons; the mode when empty


@dataclass
class _Pending:
    offer_id: str
    technician_id: str
    answer_at: datetime
    accept: bool


@dataclass
class SimReport:
    config: dict[str, Any]
    technicians_online: int
    orders: int = 0
    accepted: int = 0
    waiting_at_end: int = 0
    cancelled: int = 0
    offers: int = 0
    offers_accepted: int = 0
    offers_declined: int = 0
    offers_expired: int = 0
    rounds: int = 0
    time_to_accept_s: dict[str, float] = field(default_factory=dict)
    offers_per_accepted_order: float = 0.0
    accepted_distance_m: dict[str, float] = field(default_factory=dict)
    traffic_subsidy_share: float = 0.0
    jobs_per_technician: dict[str, float] = field(default_factory=dict)
    round_ms: dict[str, float] = field(default_factory=dict)
    errors: int = 0
    # Arrival: travel from where the technician was when the order was accepted to the
    # job (TravelTime, the technician's travel mode, departing at acceptance).
    served_rate: float = 0.0
    eta_s: dict[str, float] = field(default_factory=dict)
    km_per_job: float = 0.0
    on_time_share: float = 0.0
    earnings_fen_per_technician: dict[str, float] = field(default_factory=dict)
    offer_timeout_share: float = 0.0


def _quantiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    s = sorted(values)

    def q(p: float) -> float:
        return s[min(len(s) - 1, max(0, math.ceil(p * len(s)) - 1))]

    return {
        "mean": round(statistics.mean(s), 1),
        "p50": round(q(0.5), 1),
        "p90": round(q(0.9), 1),
        "p95": round(q(0.95), 1),
        "max": round(s[-1], 1),
    }


def gini(values: list[float]) -> float:
    """0 when everyone has the same, towards 1 when one has everything."""
    if not values or sum(values) == 0:
        return 0.0
    s = sorted(values)
    n = len(s)
    cum = sum((i + 1) * v for i, v in enumerate(s))
    return round((2 * cum) / (n * sum(s)) - (n + 1) / n, 4)


def _services_with_supply(session: Session, techs: list[Any]) -> tuple[list[Any], list[int]]:
    """Services online, verified technicians can do (skills and papers), with how many
    can do each: demand follows supply, as it does in a market that has settled."""
    from server.catalog import service as catalog_service

    out, counts = [], []
    for svc in catalog_service.search(session=session):
        need_skills = set(svc.skills or [])
        need_certs = set(svc.certificates or [])
        if svc.duration_minutes > 12 * 60:
            continue  # live-in packages are booked days ahead, not in an afternoon
        able = sum(
            1
            for t in techs
            if need_skills <= set(t.skills) and need_certs <= {c.type for c in t.certificates}
        )
        if able:
            out.append(svc)
            counts.append(able)
    return out, counts


def simulate(
    *,
    engine: Any,
    settings: Settings,
    config: SimConfig = SimConfig(),
    city_path: Path = DEFAULT_CITY,
    echo: Callable[[str], None] = print,
) -> SimReport:
    from server.auth import service as auth_service
    from server.auth.models import Role, User
    from server.demo import seed_demo
    from server.ops import service as ops_service
    from server.orders import service as orders_service
    from server.orders.machine import Action, Actor, ActorKind
    from server.orders.models import Order
    from server.pricing import service as pricing_service
    from server.pricing.models import AddressIn, QuoteCreate
    from server.technicians import service as technicians_service

    rng = random.Random(config.seed)
    clock = FrozenClock(config.start)
    cipher = FieldCipher.from_settings(settings.encryption_keys, settings.secret_key)
    city = yaml.safe_load(city_path.read_text(encoding="utf-8"))
    compounds = city["residential_compounds"]
    district_names = {d["code"]: d["name_zh"] for d in city["districts"]}
    tz = settings.timezone

    with Session(engine, expire_on_commit=False) as session:
        echo("seeding the demo district...")
        seed_demo(session, cipher, clock, settings, city_path=city_path)
        staff_phone = next(
            str(s["phone"]) for s in city["demo_seed"]["staff"] if s["role"] == "operator"
        )
        operator = auth_service.find_by_phone(session=session, cipher=cipher, phone=staff_phone)
        ops_service.update_rules(
            session=session,
            user=operator,
            data={"dispatch": {**config.dispatch_rules, "mode": config.mode}},
            expected_version=None,
            note="simulation",
            clock=clock,
        )
        session.commit()
        online = technicians_service.list_dispatchable(session=session, now=clock.now())
        customers = list(session.exec(select(User).where(User.role == Role.customer.value)).all())
        services, supply = _services_with_supply(session, online)
        tech_users = {
            u.id: u
            for u in session.exec(select(User).where(col(User.id).in_([t.id for t in online])))
        }
        # The simulated technicians do not move: where they are now is where they are
        # when they accept (a technician without a fix starts from the area's centre).
        positions = {
            t.id: (t.location or t.area_center) for t in online if (t.location or t.area_center)
        }
    if not customers or not services or not online:
        raise RuntimeError("the demo district has no customers, services or online technicians")

    report = SimReport(
        config={**asdict(config), "start": config.start.isoformat()}, technicians_online=len(online)
    )
    accept_rate = {
        t.id: min(
            0.97, max(0.6, (t.offers_accepted / t.offers_received) if t.offers_received else 0.85)
        )
        for t in online
    }
    end = config.start + timedelta(hours=config.hours)
    # The bookings come from their own random stream, drawn before the day starts, so
    # runs with the same seed see the same day whatever the dispatcher does with it.
    book_rng = random.Random(f"bookings-{config.seed}")
    arrivals: list[tuple[datetime, Any, Any, dict[str, Any], int]] = []
    t = config.start
    rate_per_s = config.orders_per_hour / 3600.0
    while True:
        t += timedelta(seconds=book_rng.expovariate(rate_per_s))
        if t >= end:
            break
        arrivals.append(
            (
                t,
                book_rng.choice(customers),
                book_rng.choices(services, weights=supply)[0],
                book_rng.choice(compounds),
                book_rng.randint(*config.lead_minutes),
            )
        )
    pending: dict[str, _Pending] = {}
    paid_at: dict[str, datetime] = {}
    round_ms: list[float] = []
    echo(
        f"simulating {config.hours:g} h, {len(arrivals)} bookings, "
        f"{len(online)} technicians online, mode {config.mode}..."
    )

    while clock.now() < end or pending:
        now = clock.now()
        with Session(engine, expire_on_commit=False) as session:
            while arrivals and arrivals[0][0] <= now:
                _at, customer, svc, place, lead = arrivals.pop(0)
                start = now + timedelta(minutes=lead)
                start = start.replace(
                    minute=(start.minute // 30) * 30, second=0, microsecond=0
                ) + timedelta(minutes=30)
                body = QuoteCreate(
                    service_id=svc.id,
                    address=AddressIn(
                        lat=place["lat"],
                        lng=place["lng"],
                        text=place["text_zh"],
                        district=district_names.get(place["district"], ""),
                    ),
                    scheduled_start=start,
                )
                try:
                    quote = pricing_service.create_quote(
                        session=session,
                        customer=customer,
                        body=body,
                        clock=clock,
                        cipher=cipher,
                        timezone=tz,
                    )
                    session.commit()
                    order = orders_service.create_from_quote(
                        session=session,
                        customer=customer,
                        quote_id=quote.id,
                        notes="",
                        preferred_technician_id=None,
                        clock=clock,
                        cipher=cipher,
                    )
                    orders_service.move(
                        session=session,
                        order_id=order.id,
                        action=Action.PAYMENT_SUCCEEDED,
                        actor=Actor(ActorKind.SYSTEM),
                        clock=clock,
                    )
                    paid_at[order.id] = now
                    report.orders += 1
                except AppError as exc:
                    session.rollback()
                    report.errors += 1
                    echo(f"  booking refused: {exc.code}")

            # Answers that came in since the last round.
            for key, p in list(pending.items()):
                offer = session.get(DispatchOffer, key)
                if offer is None or offer.status != OfferStatus.PENDING.value:
                    pending.pop(key)
                    continue
                if now < p.answer_at:
                    continue
                user = tech_users[p.technician_id]
                try:
                    if p.accept:
                        dispatch_service.accept_offer(
                            session=session,
                            user=user,
                            offer_id=key,
                            clock=clock,
                            timezone=tz,
                            cipher=cipher,
                        )
                    else:
                        dispatch_service.decline_offer(
                            session=session,
                            user=user,
                            offer_id=key,
                            clock=clock,
                            timezone=tz,
                            reason="busy",
                        )
                except AppError:
                    session.rollback()
                pending.pop(key, None)

            t0 = time.perf_counter()
            result = dispatch_service.run_round(
                session=session, clock=clock, timezone=tz, batch_due=True
            )
            if result.offered or result.expired or result.no_candidate:
                round_ms.append((time.perf_counter() - t0) * 1000.0)
            report.rounds += 1
            report.errors += result.errors

            # New offers: decide how and when their technician answers.
            for offer in session.exec(
                select(DispatchOffer).where(DispatchOffer.status == OfferStatus.PENDING.value)
            ).all():
                if offer.id in pending:
                    continue
                unanswered = rng.random() < config.unanswered_share
                delay = rng.uniform(*config.response_seconds)
                pending[offer.id] = _Pending(
                    offer.id,
                    offer.technician_id,
                    as_utc(offer.created_at)
                    + timedelta(seconds=delay if not unanswered else 10**6),
                    rng.random() < accept_rate.get(offer.technician_id, 0.85),
                )
            grab = (
                config.pool_claim_probability if config.mode == "pool" else config.claim_probability
            )
            if (
                result.order_ids
                or session.exec(
                    select(Order.id).where(Order.status == "PENDING_DISPATCH").limit(1)
                ).first()
            ):
                for user in tech_users.values():
                    if rng.random() >= grab:
                        continue
                    items = dispatch_service.pool(
                        session=session, user=user, clock=clock, timezone=tz, limit=3
                    )
                    if not items:
                        continue
                    try:
                        dispatch_service.claim(
                            session=session,
                            user=user,
                            order_id=items[0].order_id,
                            clock=clock,
                            timezone=tz,
                            cipher=cipher,
                        )
                    except AppError:
                        session.rollback()
            if clock.now() >= end and not pending:
                break
        clock.advance(seconds=config.tick_seconds)

    with Session(engine, expire_on_commit=False) as session:
        orders = list(session.exec(select(Order).where(col(Order.id).in_(list(paid_at)))).all())
        offers = list(
            session.exec(
                select(DispatchOffer).where(col(DispatchOffer.order_id).in_(list(paid_at)))
            ).all()
        )
    report.offers = len(offers)
    by_status: dict[str, int] = {}
    for o in offers:
        by_status[o.status] = by_status.get(o.status, 0) + 1
    report.offers_accepted = by_status.get(OfferStatus.ACCEPTED.value, 0)
    report.offers_declined = by_status.get(OfferStatus.DECLINED.value, 0)
    report.offers_expired = by_status.get(OfferStatus.EXPIRED.value, 0)
    accepted = [o for o in orders if o.accepted_at is not None]
    report.accepted = len(accepted)
    report.waiting_at_end = sum(1 for o in orders if o.status in ("PENDING_DISPATCH", "OFFERED"))
    report.cancelled = sum(1 for o in orders if o.status == "CANCELLED")
    report.time_to_accept_s = _quantiles(
        [(as_utc(o.accepted_at) - paid_at[o.id]).total_seconds() for o in accepted]
    )
    per_order: dict[str, int] = {}
    for o in offers:
        per_order[o.order_id] = per_order.get(o.order_id, 0) + 1
    if accepted:
        report.offers_per_accepted_order = round(
            statistics.mean(per_order.get(o.id, 0) for o in accepted), 2
        )
    won = [o for o in offers if o.status == OfferStatus.ACCEPTED.value]
    report.accepted_distance_m = _quantiles([o.distance_m for o in won])
    report.traffic_subsidy_share = (
        round(sum(o.traffic_subsidy for o in won) / len(won), 3) if won else 0.0
    )
    jobs: dict[str, int] = {t.id: 0 for t in online}
    for o in accepted:
        if o.technician_id in jobs:
            jobs[o.technician_id] += 1
    counts = list(jobs.values())
    report.jobs_per_technician = {
        "mean": round(statistics.mean(counts), 2),
        "max": max(counts),
        "idle_technicians": sum(1 for c in counts if c == 0),
        "gini": gini(counts),
    }
    report.round_ms = _quantiles(round_ms)
    report.served_rate = round(report.accepted / report.orders, 3) if report.orders else 0.0
    report.offer_timeout_share = (
        round(report.offers_expired / report.offers, 3) if report.offers else 0.0
    )
    travel = dispatch_service.travel_model(tz)
    modes = {t.id: t.travel_mode for t in online}
    etas: list[float] = []
    km: list[float] = []
    on_time = 0
    earnings: dict[str, int] = {t.id: 0 for t in online}
    for o in accepted:
        if o.technician_id in earnings:
            earnings[o.technician_id] += o.total
        origin = positions.get(o.technician_id or "")
        if origin is None or o.lat is None or o.lng is None:
            continue
        leave = as_utc(o.accepted_at)
        a, b = LatLng(*origin), LatLng(o.lat, o.lng)
        mode = _travel_mode(modes.get(o.technician_id or ""))
        eta = travel.seconds(a, b, leave, mode)
        etas.append(eta)
        km.append(distance_m(a, b) * travel.road_factor / 1000.0)
        if leave + timedelta(seconds=eta) <= as_utc(o.scheduled_start):
            on_time += 1
    report.eta_s = _quantiles(etas)
    report.km_per_job = round(statistics.mean(km), 2) if km else 0.0
    report.on_time_share = round(on_time / len(etas), 3) if etas else 0.0
    money = list(earnings.values())
    report.earnings_fen_per_technician = {
        "mean": round(statistics.mean(money), 1),
        "max": max(money),
        "gini": gini([float(v) for v in money]),
    }
    return report


def _travel_mode(value: str | None) -> TravelMode:
    try:
        return TravelMode(value or TravelMode.EBIKE.value)
    except ValueError:
        return TravelMode.EBIKE


def write_report(report: SimReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(asdict(report), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def summary_lines(report: SimReport) -> list[str]:
    tta = report.time_to_accept_s
    dist = report.accepted_distance_m
    jobs = report.jobs_per_technician
    ms = report.round_ms
    return [
        f"orders {report.orders}: accepted {report.accepted}, "
        f"still waiting {report.waiting_at_end}, errors {report.errors}",
        f"offers {report.offers}: accepted {report.offers_accepted}, "
        f"declined {report.offers_declined}, expired {report.offers_expired}; "
        f"{report.offers_per_accepted_order} per accepted order",
        f"time to acceptance (s): mean {tta.get('mean')}, p50 {tta.get('p50')}, "
        f"p90 {tta.get('p90')}, max {tta.get('max')}",
        f"distance to the job (m): mean {dist.get('mean')}, p50 {dist.get('p50')}, "
        f"p90 {dist.get('p90')}; traffic subsidy on {report.traffic_subsidy_share:.0%}",
        f"jobs per technician: mean {jobs.get('mean')}, max {jobs.get('max')}, "
        f"idle {jobs.get('idle_technicians')} of {report.technicians_online}, "
        f"Gini {jobs.get('gini')}",
        f"dispatcher rounds {report.rounds}; rounds that placed or expired, ms: "
        f"p50 {ms.get('p50')}, p90 {ms.get('p90')}",
    ]


# --- Policies side by side -----------------------------------------------------------

# Nearest-first greedy: the cascade scoring distance alone, with the multiplier rules
# (idle-nearby boost, good-rate and complaint factors) neutral.
NEAREST_RULES: dict[str, Any] = {
    "weights": {"proximity": 1.0, "rating": 0.0, "level": 0.0, "fairness": 0.0, "acceptance": 0.0},
    "scoring": {
        "proximity_basis": "distance",
        "nearby_idle_boost": 1.0,
        "good_rate_factor": 1.0,
        "complaint_factor": 1.0,
    },
}
POLICIES: dict[str, tuple[str, dict[str, Any]]] = {
    "nearest": ("cascade", NEAREST_RULES),
    "cascade": ("cascade", {}),
    "batch": ("batch", {}),
}


def compare(
    *,
    settings: Settings,
    config: SimConfig,
    workdir: Path,
    policies: tuple[str, ...] = tuple(POLICIES),
    echo: Callable[[str], None] = print,
) -> dict[str, SimReport]:
    """The same seeded day under each policy, each on its own fresh SQLite database."""
    from sqlmodel import SQLModel

    import server.models  # noqa: F401  (every table on the metadata)
    from server.core.db import make_engine

    reports: dict[str, SimReport] = {}
    for name in policies:
        mode, rules = POLICIES[name]
        home = workdir / name
        home.mkdir(parents=True, exist_ok=True)
        db = home / "simulation.db"
        if db.exists():
            raise RuntimeError(f"{db} exists: every policy needs a fresh database")
        engine = make_engine(f"sqlite:///{db}")
        try:
            SQLModel.metadata.create_all(engine)
            echo(f"--- policy {name}")
            reports[name] = simulate(
                engine=engine,
                settings=settings.model_copy(update={"data_dir": home}),
                config=replace(config, mode=mode, dispatch_rules=rules, policy=name),
                echo=echo,
            )
        finally:
            engine.dispose()
    return reports


COMPARE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("booked", "booked"),
    ("served", "served rate"),
    ("tta_mean", "accept mean s"),
    ("tta_p95", "accept p95 s"),
    ("eta_mean", "ETA mean min"),
    ("eta_p95", "ETA p95 min"),
    ("km_per_job", "km/job"),
    ("on_time", "on time"),
    ("jobs_gini", "Gini jobs"),
    ("earnings_gini", "Gini earnings"),
    ("timeouts", "offer timeouts"),
)


def compare_rows(reports: dict[str, SimReport]) -> dict[str, dict[str, float]]:
    rows: dict[str, dict[str, float]] = {}
    for name, r in reports.items():
        rows[name] = {
            "booked": r.orders,
            "served": r.served_rate,
            "tta_mean": r.time_to_accept_s.get("mean", 0.0),
            "tta_p95": r.time_to_accept_s.get("p95", 0.0),
            "eta_mean": round(r.eta_s.get("mean", 0.0) / 60.0, 1),
            "eta_p95": round(r.eta_s.get("p95", 0.0) / 60.0, 1),
            "km_per_job": r.km_per_job,
            "on_time": r.on_time_share,
            "jobs_gini": r.jobs_per_technician.get("gini", 0.0),
            "earnings_gini": r.earnings_fen_per_technician.get("gini", 0.0),
            "timeouts": r.offers_expired,
        }
    return rows


def compare_table(reports: dict[str, SimReport]) -> list[str]:
    """A Markdown table, one row per policy."""
    rows = compare_rows(reports)
    head = "| policy | " + " | ".join(label for _k, label in COMPARE_COLUMNS) + " |"
    lines = [head, "|---" * (len(COMPARE_COLUMNS) + 1) + "|"]
    for name, row in rows.items():
        cells = []
        for key, _label in COMPARE_COLUMNS:
            v = row[key]
            if key in ("served", "on_time"):
                cells.append(f"{v:.0%}")
            elif key in ("booked", "timeouts"):
                cells.append(str(int(v)))
            else:
                cells.append(f"{v:g}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def write_compare(reports: dict[str, SimReport], json_path: Path, png_path: Path) -> None:
    json_path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "policies": {
            "nearest": "cascade, distance-only weights, multiplier rules neutral",
            "cascade": "cascade, default weights",
            "batch": "batch assignment, default weights",
        },
        "summary": compare_rows(reports),
        "reports": {name: asdict(r) for name, r in reports.items()},
    }
    json_path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    plot_compare(reports, png_path)


def plot_compare(reports: dict[str, SimReport], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = compare_rows(reports)
    names = list(rows)
    panels = (
        ("served", "served rate", 1.0),
        ("tta_mean", "time to accept, mean s", None),
        ("eta_mean", "ETA to the job, mean min", None),
        ("km_per_job", "km per job", None),
        ("on_time", "on-time arrival", 1.0),
        ("earnings_gini", "earnings Gini (lower = fairer)", None),
        ("timeouts", "offer timeouts", None),
    )
    fig, axes = plt.subplots(1, len(panels), figsize=(3.0 * len(panels), 3.4))
    colors = ["#8c8c8c", "#1f77b4", "#ff7f0e", "#2ca02c"]
    for ax, (key, title, top) in zip(axes, panels, strict=True):
        values = [float(rows[n][key]) for n in names]
        bars = ax.bar(names, values, color=colors[: len(names)])
        ax.bar_label(bars, labels=[f"{v:g}" for v in values], fontsize=8)
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=8)
        if top is not None:
            ax.set_ylim(0, top * 1.1)
    first = next(iter(reports.values()))
    fig.suptitle(
        f"Demo district, {first.config.get('hours')} simulated h, {first.orders} bookings, "
        f"{first.technicians_online} technicians, seed {first.config.get('seed')}",
        fontsize=10,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
