"""The "are you sure?" step before SOS, finish and an early departure: which taps ask,
in which words, and the dialog the screens show for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import flet as ft

from client.models import OrderRead
from technician_app.components.widgets import confirm_dialog
from technician_app.state.confirmations import FINISH, SOS, confirmation_for, hours_text

NOW = datetime(2025, 6, 3, 1, 0, tzinfo=UTC)  # 09:00 in Beijing


def order_at(start: datetime) -> OrderRead:
    """An order read with only what the confirmations look at filled in for real."""
    return OrderRead.model_construct(
        id="o1", status="ACCEPTED", scheduled_start=start, scheduled_end=start + timedelta(hours=2)
    )


def test_sos_and_finish_always_ask() -> None:
    sos = confirmation_for("sos", None, NOW)
    assert sos is SOS["zh"] and sos.danger and "紧急求助" in sos.text
    finish = confirmation_for("finish", order_at(NOW), NOW)
    assert finish is FINISH["zh"] and not finish.danger and "完成" in finish.text


def test_other_taps_go_straight_through() -> None:
    for action in ("arrive", "start", "sop_done", "transfer", "message"):
        assert confirmation_for(action, order_at(NOW), NOW) is None


def test_departing_more_than_two_hours_early_asks_with_the_hours_left() -> None:
    early = confirmation_for("depart", order_at(NOW + timedelta(hours=3)), NOW)
    assert early is not None and "距预约时间还有 3 小时，确定现在出发？" in early.text
    half = confirmation_for("depart", order_at(NOW + timedelta(hours=2, minutes=30)), NOW)
    assert half is not None and "还有 2.5 小时" in half.text
    assert confirmation_for("depart", order_at(NOW + timedelta(hours=2)), NOW) is None
    assert confirmation_for("depart", order_at(NOW + timedelta(minutes=40)), NOW) is None
    assert confirmation_for("depart", order_at(NOW - timedelta(minutes=10)), NOW) is None


def test_hours_text() -> None:
    assert hours_text(timedelta(hours=26)) == "26"
    assert hours_text(timedelta(hours=2, minutes=6)) == "2.1"


def test_the_dialog_says_it_and_offers_cancel_and_yes() -> None:
    async def never() -> None:
        raise AssertionError("the dialog only runs the action on the yes")

    dialog = confirm_dialog(SOS["zh"], never)
    assert isinstance(dialog, ft.AlertDialog) and dialog.modal
    assert dialog.title.value == "紧急求助" and dialog.content.value == SOS["zh"].text
    keys = [a.key for a in dialog.actions]
    assert keys == ["confirm_cancel", "confirm_ok"]
    assert dialog.actions[1].content.value == "确定求助"
