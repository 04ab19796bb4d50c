"""Which taps ask "are you sure?" first, and in which words. A slip of the thumb must not
alarm the safety desk (SOS), end a visit (finish) or start a trip hours early (depart), so
the screens ask :func:`confirmation_for` before calling the state's action; the actions
themselves stay one call each (tests and replays need no dialog)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from client.models import OrderRead
from technician_app.i18n import DEFAULT_LANG, LANGS, t

EARLY_DEPARTURE = timedelta(hours=2)  # leaving sooner than this before the visit is normal


@dataclass(frozen=True)
class Confirmation:
    """What the confirm dialog says: a title, the question, the yes button's words, and
    whether the yes is an alarm (drawn red)."""

    title: str
    text: str
    confirm_label: str
    danger: bool = False


def _asked(lang: str, name: str, *, danger: bool = False) -> Confirmation:
    return Confirmation(
        t(lang, f"confirm.{name}.title"),
        t(lang, f"confirm.{name}.text"),
        t(lang, f"confirm.{name}.ok"),
        danger=danger,
    )


# By language: the same question every time.
SOS = {lang: _asked(lang, "sos", danger=True) for lang in LANGS}
FINISH = {lang: _asked(lang, "finish") for lang in LANGS}


def hours_text(delta: timedelta) -> str:
    """Hours as the technician says them: 3, 2.5 (one decimal at most)."""
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f}".rstrip("0").rstrip(".")


def confirmation_for(
    action: str, order: OrderRead | None, now: datetime, lang: str = DEFAULT_LANG
) -> Confirmation | None:
    """The question to ask before ``action`` (``sos``, ``finish``, ``depart`` ...) on
    ``order`` at ``now``, in ``lang``, or None when the tap goes straight through."""
    if action == "sos":
        return SOS.get(lang, SOS[DEFAULT_LANG])
    if action == "finish":
        return FINISH.get(lang, FINISH[DEFAULT_LANG])
    if action == "depart" and order is not None:
        ahead = order.scheduled_start - now
        if ahead > EARLY_DEPARTURE:
            return Confirmation(
                t(lang, "confirm.early.title"),
                t(lang, "confirm.early.text", hours=hours_text(ahead)),
                t(lang, "confirm.early.ok"),
            )
    return None
