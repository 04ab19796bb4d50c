"""The deposit (保证金) in the technician's words: why the platform asks what it asks, what
caps his orders, and what each line of its history was for (pure: the screen and the
tests read the same sentences)."""

from __future__ import annotations

from client.models import DepositMovementRead, DepositRead
from technician_app.i18n import DEFAULT_LANG, local_name, t
from technician_app.state.labels import yuan


def percent(bp: int | None) -> str:
    """Basis points as a percentage: 500 → 5%, 833 → 8.3%."""
    if bp is None:
        return "—"
    return f"{bp / 100:.1f}".rstrip("0").rstrip(".") + "%"


def standing_notes(d: DepositRead, lang: str = DEFAULT_LANG) -> list[str]:
    """Why he must hold what he must, what it does to his orders, what he owes."""
    notes = []
    days = d.complaint_window_days
    if d.raised:
        notes.append(
            t(
                lang,
                "deposit.note.raised",
                days=days,
                rate=percent(d.rate_bp),
                limit=percent(d.raise_above_bp),
                amount=yuan(d.required),
            )
        )
    else:
        notes.append(t(lang, "deposit.note.base", amount=yuan(d.base_required)))
    if d.rate_bp is None:
        notes.append(t(lang, "deposit.note.no_rate", days=days, n=d.min_orders))
    else:
        notes.append(
            t(
                lang,
                "deposit.note.rate",
                days=days,
                rate=percent(d.rate_bp),
                complaints=d.complaints,
                orders=d.orders,
            )
        )
    if d.capped and d.daily_cap is not None:
        notes.append(t(lang, "deposit.note.capped", n=d.daily_cap))
    if d.held < 0:
        notes.append(t(lang, "deposit.note.owed", amount=yuan(-d.held)))
    if d.shortfall <= 0:
        notes.append(t(lang, "deposit.complete"))
    return notes


def movement_text(m: DepositMovementRead, lang: str = DEFAULT_LANG) -> str:
    """What a line was for: a top-up, a return, or a failed check on a named job."""
    if m.kind == "top_up":
        return t(lang, "deposit.line.top_up")
    if m.kind == "return":
        return t(lang, "deposit.line.return")
    if m.kind == "deduction":
        service = local_name(lang, m.service_name_zh, m.service_name_en)
        if service:
            return t(lang, "deposit.line.deduction_of", service=service)
        return t(lang, "deposit.line.deduction")
    return t(lang, "deposit.line.other")


def movement_reason(m: DepositMovementRead, lang: str = DEFAULT_LANG) -> str:
    """A deduction's reason as the inspector wrote it; empty for anything else."""
    if m.kind == "deduction" and m.findings:
        return t(lang, "deposit.line.findings", findings=m.findings)
    return ""
