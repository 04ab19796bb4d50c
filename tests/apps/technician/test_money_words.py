"""Money as the technician reads it: the offer's two figures named, today's earnings on
the home equal to the earnings page's (one endpoint, the city's calendar day), and a
statement in his words (local times, the platform's fee in percent, why money waits)."""

from __future__ import annotations

from datetime import UTC, datetime

from client.models import EarningOrder
from technician_app.components.offer_card import offer_money
from technician_app.state import TechnicianState, yuan
from technician_app.state.labels import (
    city_datetime_text,
    earning_line_text,
    frozen_amount,
    money_state_notes,
    payout_text,
)
from technician_app.state.live import earnings_window
from tests.apps.conftest import DEMO_ADDRESS, LiveServer
from tests.apps.technician.conftest import FAR, DeviceClock, do_job, onboard


def line(kind: str, amount: int, memo: str = "") -> EarningOrder:
    at = datetime(2025, 12, 3, 6, 5, tzinfo=UTC)
    return EarningOrder(order_id="ord_x", kind=kind, amount=amount, at=at, memo=memo)


def test_statement_lines_read_in_the_technicians_words() -> None:
    assert city_datetime_text(datetime(2025, 12, 3, 6, 5, tzinfo=UTC)) == "12月3日 14:05"
    assert city_datetime_text(None) == "—"
    split = earning_line_text("split", "split 8500/1500 bp", "日常保洁")
    assert split == "日常保洁 订单收入 · 平台服务费 15%"
    assert earning_line_text("split", "split 8000/2000 bp") == "订单收入 · 平台服务费 20%"
    assert earning_line_text("compensation", "transfer compensation") == "转单补偿"
    assert earning_line_text("payout", "payout batch pob_01abc") == "结算到账"
    assert earning_line_text("withdrawal", "withdrawal to bank") == "提现到银行卡"
    payout = {"kind": "payout", "id": "pob_01abc", "amount": 35700, "at": "2025-12-03T06:05Z"}
    assert payout_text(payout) == "平台结算到账"
    withdrawal = {"kind": "withdrawal", "id": "wdr_1", "amount": 100, "bank_account": "**** 1234"}
    assert payout_text(withdrawal) == "提现申请 **** 1234"
    for text in (split, payout_text(payout), payout_text(withdrawal)):
        assert "bp" not in text and "None" not in text and "_" not in text


def test_why_money_is_or_is_not_withdrawable() -> None:
    notes = money_state_notes(balance=8500, available=0, frozen=0, disputed_orders=0)
    assert notes == [
        "可提现 ¥0.00：已结算，可申请提现到银行卡",
        "待结算 ¥85.00：客户确认完成后，T+1 到账可提现",
    ]
    held = [line("split", 8500, "split 8500/1500 bp"), line("freeze", -8500, "complaint cmp_1")]
    assert frozen_amount(held) == 8500
    assert frozen_amount([*held, line("unfreeze", 8500, "complaint resolved")]) == 0
    notes = money_state_notes(balance=0, available=0, frozen=8500, disputed_orders=1)
    assert notes[-1] == "冻结 ¥85.00：投诉处理中（1 单），处理完毕后按结果结算"
    empty = money_state_notes(balance=0, available=0, frozen=0, disputed_orders=0)
    assert empty[-1] == "暂无待结算收入：客户确认完成后，收入 T+1 可提现"


def test_the_earnings_periods_follow_the_city_calendar() -> None:
    late = datetime(2025, 12, 31, 17, 30, tzinfo=UTC)  # 1 Jan 01:30 in Shanghai
    start, end = earnings_window(late, "day")
    assert (start.isoformat(), end.isoformat()) == (
        "2026-01-01T00:00:00+08:00",
        "2026-01-02T00:00:00+08:00",
    )
    start, end = earnings_window(late, "month")
    assert (start.day, start.month, end.month) == (1, 1, 2)
    start, end = earnings_window(late, "week")
    assert start.weekday() == 0 and (end - start).days == 7 and start <= late < end


async def test_offer_card_names_the_order_amount_and_the_technicians_share(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    await onboard(tech, live_server)
    customer = live_server.register("customer")
    live_server.offer(customer, tech.user.id)
    await tech.load_offers()
    (offer,) = tech.work.offers
    assert offer.pay is not None and 0 < offer.pay < offer.raw.total
    assert offer_money(offer) == [
        ("订单金额", yuan(offer.raw.total)),
        ("预计收入", yuan(offer.pay)),
    ]


async def test_home_today_and_the_earnings_page_agree_after_a_finished_job(
    live_server: LiveServer, tech: TechnicianState, device: DeviceClock
) -> None:
    await onboard(tech, live_server)
    customer = live_server.register("customer")
    door = {**DEMO_ADDRESS, "lat": FAR[0], "lng": FAR[1]}  # do_job checks in at FAR
    order = live_server.assign(customer, tech.user.id, address=door)
    await tech.refresh()
    assert tech.earnings_today() == 0
    await do_job(tech, order["id"], device)
    r = live_server.call("POST", f"/orders/{order['id']}/confirm", customer)
    assert r.status_code == 200, r.text
    device.now = datetime.now(UTC)  # the phone's clock on the server's day again

    # the confirmation is pushed: the home's figure follows without a visit to the page
    await tech._on_feed_message(
        {"type": "event", "event_type": "order.confirmed", "order_id": order["id"]}
    )
    today = tech.earnings_today()
    assert today is not None and today > 0
    await tech.load_earnings_period("day")  # the earnings page
    assert (
        tech.me.earnings is not None and tech.me.earnings.earned == today == tech.earnings_today()
    )
    await tech.load_earnings_period("week")  # another period leaves today's figure alone
    assert tech.earnings_today() == today and tech.me.earnings.earned >= today

    # the statement in his words: the share, the platform's fee, why it is not out yet
    (split,) = [ln for ln in tech.me.earnings.lines if ln.kind == "split"]
    text = earning_line_text(split.kind, split.memo, tech.order(order["id"]).service_name_zh)
    assert "平台服务费" in text and "%" in text and "bp" not in text
    notes = money_state_notes(
        balance=tech.me.earnings.balance,
        available=tech.me.earnings.available,
        frozen=frozen_amount(tech.me.earnings.lines),
        disputed_orders=0,
    )
    assert f"待结算 {yuan(today)}：客户确认完成后，T+1 到账可提现" in notes
