"""The figures a replay compares, as happened and as re-run. Pure.

- served share: orders a technician accepted, of all that waited;
- time to acceptance: minutes from waiting to accepted (median and mean, served orders);
- km per job: the technician's way to the job (mean, served orders);
- on-time share: arrived by the start plus the late tolerance (of those known);
- pay Gini: how evenly the period's pay fell on the technicians (0: evenly).

Each for the whole period and per district; as happened, as re-run under today's rules
(the baseline) and as re-run under the rules tried.
"""

from __future__ import annotations

import unicodedata
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


def _change(before: Figures, after: Figures) -> dict[str, float | None]:
    return {
        name: (
            None
            if getattr(before, name) is None or getattr(after, name) is None
            else round(getattr(after, name) - getattr(before, name), 4)
        )
        for name in FIGURES
    }


def comparison(
    happened: Sequence[Outcome],
    rerun: Sequence[Outcome],
    technicians: Sequence[str],
    *,
    baseline: Sequence[Outcome],
) -> dict:
    """What happened, the re-run under today's rules (``baseline``: the same answers drawn
    the same way, so it isolates what the rules change) and the re-run under the rules
    tried; ``change`` is against what happened, ``effect`` against the baseline."""
    before, base, after = (
        figures(happened, technicians),
        figures(baseline, technicians),
        figures(rerun, technicians),
    )
    sides = {"happened": by_district(happened), "baseline": by_district(baseline)}
    replayed = by_district(rerun)
    districts = {
        d: {
            "happened": sides["happened"][d].as_dict(),
            "baseline": sides["baseline"][d].as_dict(),
            "replayed": f.as_dict(),
        }
        for d, f in replayed.items()
    }
    return {
        "happened": before.as_dict(),
        "baseline": base.as_dict(),
        "replayed": after.as_dict(),
        "change": _change(before, after),
        "effect": _change(base, after),
        "districts": districts,
    }


SIDES = ("happened", "baseline", "replayed")


def table(result: dict) -> str:
    """The comparison as a plain-text table (the CLI prints it)."""
    rows: list[list[str]] = [["", *SIDES, "effect"]]
    for name in FIGURES:
        rows.append(
            [name, *(_cell(result[side][name]) for side in SIDES), _cell(result["effect"][name])]
        )
    rows.append([""] * 5)
    rows.append(["served / km / on time", *SIDES, ""])
    for district, sides in result["districts"].items():
        rows.append([district or "-", *(_triple(sides[side]) for side in SIDES), ""])
    widths = [max(_width(r[i]) for r in rows) for i in range(5)]
    return "\n".join(
        "  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip()
        for row in rows
    )


def _width(text: str) -> int:
    """Columns on a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(value: float | int | None) -> str:
    return "-" if value is None else f"{value:g}"


def _triple(f: dict) -> str:
    return " / ".join(_cell(f[k]) for k in ("served_share", "km_per_job", "on_time_share"))
