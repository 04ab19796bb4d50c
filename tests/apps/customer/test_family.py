"""家庭账户 through the customer app's state against a live server: the main account
invites by phone, the member accepts in his app and pays an order from the family
balance (offered but disabled, with what is missing, while over his monthly cap), and the
main account sets the cap, sees the payment in his wallet's history and never the
member's order; and withdrawing an invitation still pending."""

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
    main_phone = state.session.user.phone
    await state.load_me()
    assert keyed_control(me_view(state), "open-family") is not None
    await state.open_family()
    assert state.session.route == "/family" and state.me.family.role == "none"
    state.session.form["family_phone"] = member["phone"]
    assert await state.invite_family("family"), state.session.error
    assert state.session.notice == "invited" and "family_phone" not in state.session.form
    [sent] = state.me.family.invitations_sent
    assert "待对方接受" in texts(family_view(state))
    state.session.form["family_phone"] = "13800009999"  # nobody's
    assert not await state.invite_family("staff")
    assert (
        state.session.last_error_code == "not_a_customer"
        and state.session.error == "该手机号未注册顾客账号"
    )
    presets = state.me.stored.top_up_presets if state.me.stored else []
    await state.open_wallet()
    assert await state.start_top_up(presets[-1]) is not None, state.session.error
    assert await state.approve_top_up(), state.session.error

    # the member answers in his app
    await state.logout()
    assert await state.login(phone=member["phone"], password="correct horse"), state.session.error
    state.save_address(HOME)
    await state.open_family()
    [received] = state.me.family.invitations_received
    assert received.invitation_id == sent.invitation_id and received.main.name == "张先生"
    assert keyed_control(family_view(state), f"family-accept-{received.invitation_id}")
    assert await state.accept_family(received.invitation_id), state.session.error
    assert state.me.family.role == "member" and state.session.notice == "family_joined"
    assert "退出家庭账户" in [str(getattr(c, "content", "")) for c in _controls(family_view(state))]

    # the main account caps him below the order's price
    main = _token(server, main_phone)
    mid = member["user"]["id"]
    await state.open_service("svc_daily_cleaning")
    await state.begin_booking("svc_daily_cleaning")
    state.choose_slot(next(s for s in state.booking.slots if s.available))
    assert await state.request_quote() is not None, state.session.error
    assert await state.place_order() is not None, state.session.error
    due = state.amount_to_pay()
    assert 0 < due <= presets[-1]
    r = server.call("PUT", f"/me/family/members/{mid}/cap", main, json={"monthly_cap": due - 1})
    assert r.status_code == 200, r.text
    await state.load_stored_value()
    assert state.me.allowance is not None and state.me.allowance.cap_left == due - 1
    assert keyed_control(order_view(state), "pay-family").disabled
    assert f"家庭余额可用额度不足，还差 {money(1)}" in texts(order_view(state))
    assert not await state.pay_from_family()
    assert state.session.last_error_code == "family_cap_exceeded"
    assert state.visit.order.status == "PENDING_PAYMENT"

    r = server.call("PUT", f"/me/family/members/{mid}/cap", main, json={"monthly_cap": due})
    assert r.status_code == 200, r.text
    await state.load_stored_value()
    assert not keyed_control(order_view(state), "pay-family").disabled
    assert await state.pay_from_family(), state.session.error
    assert state.session.notice == "paid" and state.visit.order.status == "PENDING_DISPATCH"
    assert state.me.allowance.cap_left == 0 and state.me.allowance.spent_this_month == due
    order_id = state.visit.order.id

    # the main account sets a cap in his app, and cannot open the member's order
    await state.logout()
    assert await state.login(phone=main_phone, password="correct horse"), state.session.error
    await state.open_family()
    assert [m.user_id for m in state.me.family.members] == [mid]
    state.session.form[f"cap_{mid}"] = "50"
    assert await state.set_family_cap(mid), state.session.error
    assert state.me.family.members[0].monthly_cap == 5000
    assert f"每月额度 {money(5000)}" in texts(family_view(state))
    state.session.form[f"cap_{mid}"] = "abc"
    assert not await state.set_family_cap(mid)
    await state.open_wallet()
    assert "家庭成员订单支付" in texts(wallet_view(state))
    await state.open_order(order_id)
    assert state.visit.order is None or state.visit.order.id != order_id
    assert state.session.error


async def test_withdraw_a_pending_invitation_after_confirming(
    state: CustomerState, server: LiveServer
) -> None:
    """撤回 asks once more; 保留 keeps the invitation, 确认撤回 takes it back. One the
    invitee accepted meanwhile is refused in words and leaves the list on the next read.
    The invitee finds the invitation in his inbox, leading to the family screen."""
    member = server.register("customer", "李女士")
    await state.start()
    await signed_in(state, server, "张先生")
    await state.open_family()
    state.session.form["family_phone"] = member["phone"]
    assert await state.invite_family("family"), state.session.error
    [sent] = state.me.family.invitations_sent
    iid = sent.invitation_id
    view = family_view(state)
    assert keyed_control(view, f"family-withdraw-{iid}") is not None
    state.ask_withdraw_family(iid)
    view = family_view(state)
    assert "撤回对李女士的邀请？" in texts(view)
    keyed_control(view, f"family-withdraw-confirm-{iid}")
    state.keep_family_invitation()
    assert "撤回对李女士的邀请？" not in texts(family_view(state))
    assert [i.invitation_id for i in state.me.family.invitations_sent] == [iid]

    state.ask_withdraw_family(iid)
    assert await state.withdraw_family(iid), state.session.error
    assert state.session.notice == "family_withdrawn" and state.me.family.invitations_sent == []
    assert "family_withdrawing" not in state.session.form
    invitee = _token(server, member["phone"])
    path = f"/me/family/invitations/{iid}/accept"
    r = server.call("POST", path, invitee)
    assert r.status_code == 409 and r.json()["error"]["code"] == "invite_withdrawn"

    # invited again, and accepted in the other app before the main account withdraws
    state.session.form["family_phone"] = member["phone"]
    assert await state.invite_family("family"), state.session.error
    [again] = state.me.family.invitations_sent
    r = server.call("POST", f"/me/family/invitations/{again.invitation_id}/accept", invitee)
    assert r.status_code == 200, r.text
    assert not await state.withdraw_family(again.invitation_id)
    assert state.session.last_error_code == "invite_not_pending"
    assert state.session.error == "该邀请已被接受、拒绝或已过期，无法撤回"
    assert state.me.family.invitations_sent == [] and state.me.family.role == "main"

    # the invitee's inbox: one notice per invitation, to the family screen
    await state.logout()
    assert await state.login(phone=member["phone"], password="correct horse"), state.session.error
    await state.open_inbox()
    invited = [n for n in state.support.notices if n.kind == "family.invited"]
    assert [n.title for n in invited] == ["张先生邀请您加入家庭账户"] * 2
    assert {n.data["route"] for n in invited} == {"/family"}
