"""Which taps ask "are you sure?" first, and in which words. A slip of the thumb must not
alarm the safety desk (SOS), end a visit (finish) or start a trip hours early (depart), so
the screens ask :func:`confirmation_for` before calling the state's action; the actions
themselves stay one call each (tests and replays need no dialog)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from client.models import OrderRead

EARLY_DEPARTURE = timedelta(hours=2)  # leaving sooner than this before the visit is normal


@dataclass(frozen=True)
class Confirmation:
    """What the confirm dialog says: a title, the question, the yes button's words, and
    whether the yes is an alarm (drawn red)."""

    title: str
    text: str
    confirm_label: str
    danger: bool = False


SOS = Confirmation(
    "紧急求助",
    "确定发送紧急求助？平台安全中心将收到你的位置并立即联系你。如有生命危险请直接拨打 110。",
    "确定求助",
    danger=True,
)
FINISH = Confirmation(
    "完成服务",
    "确认服务已全部完成？提交后将请客户验收确认，之后不能再修改服务步骤或增项。",
    "确认完成",
)


def hours_text(delta: timedelta) -> str:
    """Hours as the technician says them: 3, 2.5 (one decimal at most)."""
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f}".rstrip("0").rstrip(".")


def confirmation_for(action: str, order: OrderRead | None, now: datetime) -> Confirmation | None:
    """The question to ask before ``action`` (``sos``, ``finish``, ``depart`` ...) on
    ``order`` at ``now``, or None when the tap goes straight through."""
    if action == "sos":
        return SOS
    if action == "finish":
        return FINISH
    if action == "depart" and order is not None:
        ahead = order.scheduled_start - now
        if ahead > EARLY_DEPARTURE:
            return Confirmation(
                "提前出发",
                f"距预约时间还有 {hours_text(ahead)} 小时，确定现在出发？"
                "出发后客户会看到你正在路上。",
                "确定出发",
            )
    return None
