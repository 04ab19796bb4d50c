"""Which services to put before a customer, and why. Pure.

Three reasons, in this order of weight: what the customer books again and again
(``repeat``), what the time of year calls for (``seasonal``, from ``assets/seasons.yaml``),
and what the neighbours book (``nearby``: orders within a few kilometres in the last weeks,
shown only from ``MIN_NEIGHBOURS`` orders up, so a count never points at one household).
A service is shown once, under its strongest reason; the platform's best sellers fill in
(``popular``) when the customer has no history and no place yet. Every pick carries the
sentence the app shows under it, in both languages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

PER_GROUP = 4
MIN_NEIGHBOURS = 3  # fewer nearby orders than this are not shown (privacy)
NEARBY_KM = 3.0
NEARBY_DAYS = 30
GROUPS = ("repeat", "seasonal", "nearby", "popular")


@dataclass(frozen=True)
class Season:
    code: str
    name_zh: str
    name_en: str
    start: tuple[int, int]  # (month, day), inclusive
    end: tuple[int, int]  # inclusive; before ``start`` when the season wraps the new year
    services: tuple[str, ...]  # catalog codes, best first
    reason_zh: str
    reason_en: str

    def holds(self, day: date) -> bool:
        md = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= md <= self.end
        return md >= self.start or md <= self.end


@dataclass(frozen=True)
class Booked:
    """One of the customer's past orders, as the picks read it."""

    service_id: str
    at: datetime


@dataclass(frozen=True)
class Pick:
    service_id: str
    group: str
    reason_zh: str
    reason_en: str


def parse_seasons(rows: Iterable[Mapping[str, object]]) -> tuple[Season, ...]:
    """The seasons table as ``assets/seasons.yaml`` writes it."""

    def month_day(text: object) -> tuple[int, int]:
        month, day = str(text).split("-")
        return int(month), int(day)

    return tuple(
        Season(
            code=str(r["code"]),
            name_zh=str(r["name_zh"]),
            name_en=str(r["name_en"]),
            start=month_day(r["from"]),
            end=month_day(r["to"]),
            services=tuple(str(s) for s in r["services"]),  # type: ignore[attr-defined]
            reason_zh=str(r["reason_zh"]),
            reason_en=str(r["reason_en"]),
        )
        for r in rows
    )


def seasons_on(day: date, seasons: Sequence[Season]) -> list[Season]:
    return [s for s in seasons if s.holds(day)]


def pick(
    *,
    today: date,
    history: Sequence[Booked],
    nearby: Mapping[str, int],
    seasons: Sequence[Season],
    popular: Sequence[str],
    ids_by_code: Mapping[str, str],
    bookable: frozenset[str],
    per_group: int = PER_GROUP,
) -> dict[str, list[Pick]]:
    """The picks by group (``GROUPS``), each service in one group only; ``bookable``
    holds the service ids that can be booked now, ``nearby`` counts orders per service
    id around the customer, ``popular`` is the city's best sellers first."""
    shown: set[str] = set()
    out: dict[str, list[Pick]] = {g: [] for g in GROUPS}

    def add(group: str, service_id: str, zh: str, en: str) -> None:
        if service_id in shown or service_id not in bookable:
            return
        if len(out[group]) >= per_group:
            return
        shown.add(service_id)
        out[group].append(Pick(service_id, group, zh, en))

    times: dict[str, int] = {}
    last: dict[str, datetime] = {}
    for b in history:
        times[b.service_id] = times.get(b.service_id, 0) + 1
        if b.service_id not in last or b.at > last[b.service_id]:
            last[b.service_id] = b.at
    for sid in sorted(times, key=lambda s: (-times[s], -last[s].timestamp(), s)):
        n, on = times[sid], last[sid]
        zh = f"您预约过{n}次 · 上次{on.month}月{on.day}日"
        en = f"Booked {n} time{'s' if n > 1 else ''}, last on {on:%d %b}"
        add("repeat", sid, zh, en)
    for season in seasons_on(today, seasons):
        for code in season.services:
            if code in ids_by_code:
                zh = f"{season.name_zh} · {season.reason_zh}"
                add("seasonal", ids_by_code[code], zh, season.reason_en)
    around = [(n, sid) for sid, n in nearby.items() if n >= MIN_NEIGHBOURS]
    for n, sid in sorted(around, key=lambda x: (-x[0], x[1])):
        km = f"{NEARBY_KM:g}"
        add(
            "nearby",
            sid,
            f"附近{km}公里内近{NEARBY_DAYS}天有{n}单",
            f"{n} bookings within {km} km in the last {NEARBY_DAYS} days",
        )
    if not out["repeat"] and not out["nearby"]:
        for sid in popular:
            add("popular", sid, "平台热销服务", "A best seller on the platform")
    return out
