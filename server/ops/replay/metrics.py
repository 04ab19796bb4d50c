"""The figures a replay compares, as happened and as re-run. Pure.

- served share: orders a technician accepted, of all that waited;
- time to acceptance: minutes from waiting to accepted (median and mean, served orders);
- km per job: the technician's way to the job (mean, served orders);
- on-time share: arrived by the start plus the late tolerance (of those known);
- pay Gini: how evenly the period's pay fell on the technicians (0: evenly).

Each for the whole period and per district.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from statistics import fmean, median

from server.ops.replay.rerun import Outcome
from server.ops.stats import gini

FIGURES = ("served_share", "accept_minutes_p50", "km_per_job", "on_time_share", "pay_gini")


@dataclass(frozen=True)
class Figures:
    orders: int
    served_share: float | None
    accept_minutes_p50: float | None
    accept_minutes_mean: float | None
    km_per_job: float | None
    on_time_share: float | None
    pay_gini: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def _share(flags: Sequence[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def figures(outcomes: Sequence[Outcome], technicians: Iterable[str] | None = None) -> Figures:
    """``technicians``: everyone who could have been paid (zeros count for the Gini);
    None: per district, where only who was paid there is known."""
    served = [o for o in outcomes if o.technician_id is not None]
    minutes = [o.waited_s / 60.0 for o in served if o.waited_s is not None]
    km = [o.km for o in served if o.km is not None]
    on_time = [o.on_time for o in served if o.on_time is not None]
    pay: dict[str, int] = {tid: 0 for tid in technicians or ()}
    for o in served:
        assert o.technician_id is not None
        pay[o.technician_id] = pay.get(o.technician_id, 0) + o.pay_fen
    return Figures(
        orders=len(outcomes),
        served_share=_share([o.technician_id is not None for o in outcomes]),
        accept_minutes_p50=_round(median(minutes)) if minutes else None,
        accept_minutes_mean=_round(fmean(minutes)) if minutes else None,
        km_per_job=_round(fmean(km)) if km else None,
        on_time_share=_share(on_time),
        pay_gini=gini(list(pay.values())) if pay else None,
    )


def by_district(outcomes: Sequence[Outcome]) -> dict[str, Figures]:
    districts = sorted({o.district for o in outcomes})
    return {d: figures([o for o in outcomes if o.district == d]) for d in districts}


def comparison(
    happened: Sequence[Outcome], rerun: Sequence[Outcome], technicians: Sequence[str]
) -> dict:
    """Both sides, overall and per district, with the change of each figure."""
    before, after = figures(happened, technicians), figures(rerun, technicians)
    change = {
        name: (
            None
            if getattr(before, name) is None or getattr(after, name) is None
            else round(getattr(after, name) - getattr(before, name), 4)
        )
        for name in FIGURES
    }
    districts = {
        d: {"happened": h.as_dict(), "replayed": r.as_dict()}
        for (d, h), r in zip(
            by_district(happened).items(), by_district(rerun).values(), strict=True
        )
    }
    return {
        "happened": before.as_dict(),
        "replayed": after.as_dict(),
        "change": change,
        "districts": districts,
    }


def table(result: dict) -> str:
    """The comparison as a plain-text table (the CLI prints it)."""
    rows = [("", "happened", "replayed", "change")]
    for name in FIGURES:
        rows.append(
            (
                name,
                _cell(result["happened"][name]),
                _cell(result["replayed"][name]),
                _cell(result["change"][name]),
            )
        )
    rows.append(("", "", "", ""))
    rows.append(("district (served, km, on time)", "happened", "replayed", ""))
    for district, sides in result["districts"].items():
        rows.append(
            (
                district or "-",
                _triple(sides["happened"]),
                _triple(sides["replayed"]),
                "",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows
    )


def _cell(value: float | int | None) -> str:
    return "-" if value is None else f"{value:g}"


def _triple(f: dict) -> str:
    return " / ".join(_cell(f[k]) for k in ("served_share", "km_per_job", "on_time_share"))
