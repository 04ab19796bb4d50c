"""家庭账户 through the customer app's state against a live server: the main account
invites by phone, the member accepts in his app and pays an order from the family
balance (offered but disabled, with what is missing, while over his monthly cap), and the
main account sets the cap, sees the payment in his wallet's history and never the
member's order."""

from __future__ import annotations

from customer_app.i18n import money
from customer_app.state import CustomerState
from customer_app.views.family import family_view
from customer_app.views.me import me_view
from customer_app.views.order import order_view
from customer_app.views.wallet import wallet_view
from tests.apps.conftest import LiveServer
from tests.apps.customer.conftest import HOME, signed_in
from tests.apps.customer.test_wallet import _controls, keyed_control, texts


def _token(server: LiveServer, phone: str) -> dict:
    r = server.call("POST", "/auth/login", json={"phone": phone, "password": "correct horse"})
    assert r.status_code == 200, r.text
    return r.json()


async def test_invite_accept_pay_within_the_cap(state: CustomerState, server: LiveServer) -> None:
    member = server.register("customer", "李女士")
    await state.start()
    await signed_in(state, server, "张先生")
    main_phone = state.user.phone
    await state.load_me()
    assert keyed_control(me_view(state), "open-family") is not None
    await state.open_family()
    assert state.route == "/family" and state.family.role == "none"
    state.form["family_phone"] = member["phone"]
    assert await state.invite_family("family"), state.error
    assert state.notice == "invited" and "family_phone" not in state.form
    [sent] = state.family.invitations_sent
    assert "待对方接受" in texts(family_view(state))
    state.form["family_phone"] = "13800009999"  # nobody's
    assert not await state.invite_family("staff")
    assert state.last_error_code == "not_a_customer" and state.error == "该手机号未注册顾客账号"
    presets = state.stored.top_up_presets if state.stored else []
    await state.open_wallet()
    assert await state.start_top_up(presets[-1]) is not None, state.error
    assert await state.approve_top_up(), state.error

    # the member answers in his app
    await state.logout()
    assert await state.login(phone=member["phone"], password="correct horse"), state.error
    state.save_address(HOME)
    await state.open_family()
    [received] = state.family.invitations_received
    assert received.invitation_id == sent.invitation_id and received.main.name == "张先生"
    assert keyed_control(family_view(state), f"family-accept-{received.invitation_id}")
    assert await state.accept_family(received.invitation_id), state.error
    assert state.family.role == "member" and state.notice == "family_joined"
    assert "退出家庭账户" in [str(getattr(c, "content", "")) for c in _controls(family_view(state))]

    # the main account caps him below the order's price
    main = _token(server, main_phone)
    mid = member["user"]["id"]
    await state.open_service("svc_daily_cleaning")
    await state.begin_booking("svc_daily_cleaning")
    state.choose_slot(next(s for s in state.slots if s.available))
    assert await state.request_quote() is not None, state.error
    assert await state.place_order() is not None, state.error
    due = state.amount_to_pay()
    assert 0 < due <= presets[-1]
    r = server.call("PUT", f"/me/family/members/{mid}/cap", main, json={"monthly_cap": due - 1})
    assert r.status_code == 200, r.text
    await state.load_stored_value()
    assert state.allowance is not None and state.allowance.cap_left == due - 1
    assert keyed_control(order_view(state), "pay-family").disabled
    assert f"家庭余额可用额度不足，还差 {money(1)}" in texts(order_view(state))
    assert not await state.pay_from_family()
    assert state.last_error_code == "family_cap_exceeded"
    assert state.order.status == "PENDING_PAYMENT"

    r = server.call("PUT", f"/me/family/members/{mid}/cap", main, json={"monthly_cap": due})
    assert r.status_code == 200, r.text
    await state.load_stored_value()
    assert not keyed_control(order_view(state), "pay-family").disabled
    assert await state.pay_from_family(), state.error
    assert state.notice == "paid" and state.order.status == "PENDING_DISPATCH"
    assert state.allowance.cap_left == 0 and state.allowance.spent_this_month == due
    order_id = state.order.id

    # the main account sets a cap in his app, and cannot open the member's order
    await state.logout()
    assert await state.login(phone=main_phone, password="correct horse"), state.error
    await state.open_family()
    assert [m.user_id for m in state.family.members] == [mid]
    state.form[f"cap_{mid}"] = "50"
    assert await state.set_family_cap(mid), state.error
    assert state.family.members[0].monthly_cap == 5000
    assert f"每月额度 {money(5000)}" in texts(family_view(state))
    state.form[f"cap_{mid}"] = "abc"
    assert not await state.set_family_cap(mid)
    await state.open_wallet()
    assert "家庭成员订单支付" in texts(wallet_view(state))
    await state.open_order(order_id)
    assert state.order is None or state.order.id != order_id
    assert state.error
