"""The technician's deposit (保证金) in the app's state against a real server: a job he did
fails a spot check, the deduction shows in his deposit with its reason in Chinese, the
notice reaches his inbox, and a top-up through the sandbox makes the deposit whole."""

from __future__ import annotations

from technician_app.i18n import notice_label
from technician_app.state import TechnicianState
from technician_app.state.deposit_words import movement_reason, movement_text, standing_notes
from tests.apps.conftest import DEMO_ADDRESS, LiveServer
from tests.apps.technician.conftest import FAR, DeviceClock, do_job, onboard


async def test_a_failed_check_shows_in_his_deposit_and_a_top_up_makes_it_whole(
    live_server: LiveServer, tech: TechnicianState, device: DeviceClock
) -> None:
    operator = live_server.staff("operator")
    r = live_server.call(
        "PUT", "/ops/settings", operator, json={"rules": {"quality": {"sampling_rate_bp": 10000}}}
    )
    assert r.status_code == 200, r.text
    inspector = live_server.staff("quality_inspector")
    await onboard(tech, live_server)
    assert tech.user is not None

    await tech.load_deposit()
    assert tech.me.deposit is not None and tech.me.deposit.held == 0
    assert tech.me.deposit.required == 200_000 and tech.me.deposit.history == []
    assert (
        standing_notes(tech.me.deposit)[0]
        == "平台要求每位师傅缴纳保证金 ¥2000.00，用于服务质量保障"
    )

    customer = live_server.register("customer", "赵女士")
    door = {**DEMO_ADDRESS, "lat": FAR[0], "lng": FAR[1]}  # do_job checks in at FAR
    order = live_server.assign(customer, tech.user.id, address=door)
    await tech.refresh()
    await do_job(tech, order["id"], device)
    r = live_server.call("POST", f"/orders/{order['id']}/confirm", customer)
    assert r.status_code == 200, r.text

    [check] = live_server.call("GET", "/inspections", inspector).json()
    assert check["order_id"] == order["id"]
    r = live_server.call(
        "POST",
        f"/inspections/{check['id']}/outcome",
        inspector,
        json={"result": "fail", "method": "on_site", "findings": "未清洁冰箱内部"},
    )
    assert r.status_code == 200, r.text

    await tech.load_deposit()
    d = tech.me.deposit
    assert d is not None and d.held == -20_000 and d.shortfall == 220_000
    [line] = d.history
    assert movement_text(line) == "日常保洁 质检未通过扣除"
    assert movement_reason(line) == "原因：未清洁冰箱内部"
    assert movement_text(line, "en").startswith("Failed quality check: ")
    assert "质检扣款超出已缴保证金，欠缴 ¥200.00，请尽快补缴" in standing_notes(d)

    await tech.load_inbox()
    failed = next(n for n in tech.live.inbox if n.kind == "quality.check_failed")
    assert notice_label("zh", failed.kind, failed.title) == "质检未通过"
    assert "未清洁冰箱内部" in failed.body and "¥200.00" in failed.body

    assert await tech.top_up_deposit()
    d = tech.me.deposit
    assert d is not None and d.held == 200_000 and d.shortfall == 0
    assert [movement_text(m) for m in d.history] == ["补缴保证金", "日常保洁 质检未通过扣除"]
    assert d.history[0].amount == 220_000
    assert any(n.text == "保证金已补缴：¥2200.00" for n in tech.session.notices)
    assert standing_notes(d)[-1] == "保证金已足额"
    assert not await tech.top_up_deposit()  # nothing missing: refused, in his words
    assert tech.session.notices[-1].text == "保证金已足额，无需补缴"


async def test_he_takes_back_what_his_deposit_holds_above_the_requirement(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    operator = live_server.staff("operator")

    def base(fen: int) -> None:
        rules = {"quality": {"deposit": {"base_fen": fen}}}
        r = live_server.call("PUT", "/ops/settings", operator, json={"rules": rules})
        assert r.status_code == 200, r.text

    base(500_000)
    await onboard(tech, live_server)
    assert await tech.top_up_deposit()
    base(200_000)  # the requirement falls: ¥3000 is his again
    await tech.load_deposit()
    d = tech.me.deposit
    assert d is not None and d.held == 500_000 and d.returnable == 300_000

    assert await tech.return_deposit()
    d = tech.me.deposit
    assert d is not None and d.held == 200_000 and d.returnable == 0
    assert [movement_text(m) for m in d.history or []] == ["退还保证金", "补缴保证金"]
    assert movement_text(d.history[0], "en") == "Deposit returned"
    assert tech.session.notices[-1].text == "已退还 ¥3000.00，将随下次结算打到您的收款账户"
    assert not await tech.return_deposit()  # nothing above the requirement: refused
    assert tech.session.notices[-1].text == "退还金额超过可退还的保证金"

    await tech.load_inbox()
    note = next(n for n in tech.live.inbox if n.kind == "quality.deposit_returned")
    assert notice_label("zh", note.kind, note.title) == "保证金已退还"
