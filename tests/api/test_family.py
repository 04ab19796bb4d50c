"""家庭账户 through the API: invitations by phone (accepted, declined, expired), the
limits (five members, one family each, a main account joins no other), removing and
leaving, the shared membership on a quote, paying from the main wallet within and over
the member's monthly cap with refunds back to that wallet, and what each may see."""

from __future__ import annotations

from datetime import timedelta

from server.pricing.family import INVITES_PER_HOUR
from server.pricing.models import CustomerSpend
from tests.api.payment_steps import relogin, trial
from tests.api.test_wallet import top_up, wallet
from tests.unit_of_work import unit_of_work


def invite(api, main, member, kind="family"):
    return api.post("/me/family/invitations", main, json={"phone": member["phone"], "kind": kind})


def join(api, main, member, kind="family"):
    r = invite(api, main, member, kind)
    assert r.status_code == 201, r.text
    invitation = r.json()
    r = api.post(f"/me/family/invitations/{invitation['invitation_id']}/accept", member)
    assert r.status_code == 200, r.text
    return r.json()


def family(api, user):
    r = api.get("/me/family", user)
    assert r.status_code == 200, r.text
    return r.json()


def code(r):
    return r.status_code, r.json()["error"]["code"]


def pay_family(api, member, oid, **body):
    return api.post(
        f"/orders/{oid}/payments",
        member,
        json={"provider": "wallet", "method": "family", "family": True, **body},
    )


def test_invite_accept_list_remove_and_leave(api):
    main = api.register("customer", "张主")
    wife = api.register("customer", "李妻")
    son = api.register("customer", "张子")
    r = invite(api, main, wife)
    assert r.status_code == 201, r.text
    sent = r.json()
    assert sent["status"] == "pending" and sent["kind"] == "family"
    assert sent["member"]["phone_masked"] == wife["phone"][:3] + "****" + wife["phone"][-4:]
    # asked again: the same invitation
    assert invite(api, main, wife).json()["invitation_id"] == sent["invitation_id"]
    mine = family(api, wife)
    assert mine["role"] == "none"
    assert [i["invitation_id"] for i in mine["invitations_received"]] == [sent["invitation_id"]]
    # a stranger cannot answer someone else's invitation
    path = f"/me/family/invitations/{sent['invitation_id']}"
    assert code(api.post(f"{path}/accept", son)) == (404, "invite_not_found")
    assert code(api.post(f"{path}/decline", son)) == (404, "invite_not_found")
    r = api.post(f"{path}/accept", wife)
    assert r.status_code == 200, r.text
    seen = r.json()
    assert seen["role"] == "member" and seen["main"]["name"] == "张主"
    assert seen["main"]["phone_masked"].count("*") == 4
    assert code(api.post(f"{path}/accept", wife)) == (409, "invite_answered")

    r = invite(api, main, son, kind="staff")
    assert (
        api.post(f"/me/family/invitations/{r.json()['invitation_id']}/decline", son).json()[
            "status"
        ]
        == "declined"
    )
    join(api, main, son, kind="staff")
    listed = family(api, main)
    assert listed["role"] == "main" and listed["main"] is None
    assert [(m["name"], m["kind"]) for m in listed["members"]] == [
        ("李妻", "family"),
        ("张子", "staff"),
    ]
    # a member sees the others, but only his own cap
    wid, sid = wife["user"]["id"], son["user"]["id"]
    assert (
        api.put(f"/me/family/members/{sid}/cap", main, json={"monthly_cap": 5000}).status_code
        == 200
    )
    by_id = {m["user_id"]: m for m in family(api, wife)["members"]}
    assert by_id[sid]["monthly_cap"] is None and by_id[sid]["phone_masked"].count("*") == 4
    assert {m["user_id"]: m for m in family(api, son)["members"]}[sid]["monthly_cap"] == 5000

    # only the main account removes, and only his members; a member leaves
    assert code(api.post(f"/me/family/members/{sid}/remove", wife)) == (404, "not_family_member")
    r = api.put(f"/me/family/members/{sid}/cap", wife, json={"monthly_cap": 1})
    assert code(r) == (404, "not_family_member")
    r = api.post(f"/me/family/members/{sid}/remove", main)
    assert r.status_code == 200 and [m["user_id"] for m in r.json()["members"]] == [wid]
    assert family(api, son)["role"] == "none"
    r = api.post("/me/family/leave", wife)
    assert r.status_code == 200 and r.json()["role"] == "none"
    assert code(api.post("/me/family/leave", wife)) == (404, "not_family_member")
    assert family(api, main)["members"] == []


def test_the_limits(api):
    main = api.register("customer")
    other_main = api.register("customer")
    stranger = api.register("customer")
    members = [api.register("customer") for _ in range(5)]
    for member in members[:4]:
        join(api, main, member)
    # a pending invitation holds the fifth place
    assert invite(api, main, members[4]).status_code == 201
    assert code(invite(api, main, stranger)) == (409, "family_full")
    join(api, main, members[4])
    assert code(invite(api, main, stranger)) == (409, "family_full")

    assert code(invite(api, other_main, members[0])) == (409, "already_in_family")
    assert code(invite(api, members[0], stranger)) == (409, "already_in_family")
    assert code(invite(api, other_main, main)) == (409, "family_main_cannot_join")
    assert code(invite(api, main, main)) == (422, "family_invite_self")
    tech = api.register("technician")
    assert code(invite(api, other_main, tech)) == (422, "not_a_customer")
    r = api.post("/me/family/invitations", other_main, json={"phone": "13811112222"})
    assert code(r) == (422, "not_a_customer")
    assert api.get("/me/family", tech).status_code == 403

    # an invitation accepted after its holder joined another family
    r = invite(api, other_main, stranger)
    third = api.register("customer")
    join(api, third, other_main)  # the inviter became a member elsewhere
    r2 = api.post(f"/me/family/invitations/{r.json()['invitation_id']}/accept", stranger)
    assert code(r2) == (409, "family_main_is_member")


def test_an_invitation_expires_after_seven_days(api):
    main = api.register("customer")
    member = api.register("customer")
    invitation = invite(api, main, member).json()
    assert invitation["expires_at"]
    api.app.state.clock.advance(days=7, seconds=1)
    relogin(api, main)
    relogin(api, member)
    assert family(api, member)["invitations_received"] == []
    r = api.post(f"/me/family/invitations/{invitation['invitation_id']}/accept", member)
    assert code(r) == (409, "invite_expired")
    assert family(api, member)["role"] == "none"
    # the place is free again: a new invitation
    assert invite(api, main, member).json()["invitation_id"] != invitation["invitation_id"]


def test_a_member_gets_the_main_accounts_better_membership_on_a_quote(api):
    main = api.register("customer")
    member = api.register("customer")
    now = api.app.state.clock.now()
    with unit_of_work(api.app) as uow:
        uow.session.add(
            CustomerSpend(
                order_id="ord_past_gold",
                customer_id=main["user"]["id"],
                amount=600_000,
                at=now - timedelta(days=10),
            )
        )
    assert api.get("/me/wallet", member).json()["membership"]["code"] == "regular"
    before = [ln["code"] for ln in api.quote(member)["lines"]]
    assert "membership:gold" not in before
    join(api, main, member)
    shown = api.get("/me/wallet", member).json()["membership"]
    assert shown["code"] == "gold" and shown["via_family"] is True
    assert "membership:gold" in [ln["code"] for ln in api.quote(member)["lines"]]
    # and not the other way round: the main account keeps his own
    assert api.get("/me/wallet", main).json()["membership"]["via_family"] is False
    api.post("/me/family/leave", member)
    assert "membership:gold" not in [ln["code"] for ln in api.quote(member)["lines"]]


def test_paying_from_the_family_balance_within_the_cap_and_refunds(api):
    main = api.register("customer", "王主")
    member = api.register("customer", "王女")
    finance = api.staff("finance")
    top_up(api, main, 50000)
    order = api.order(member, hours_ahead=48)
    oid, total = order["id"], order["total"]
    # not a member yet
    assert code(pay_family(api, member, oid)) == (404, "not_family_member")
    assert code(api.get("/me/family/allowance", member)) == (404, "not_family_member")
    join(api, main, member)
    mid, wid = main["user"]["id"], member["user"]["id"]
    r = api.put(f"/me/family/members/{wid}/cap", main, json={"monthly_cap": total - 1})
    assert r.status_code == 200
    allowance = api.get("/me/family/allowance", member).json()
    assert allowance["cap_left"] == total - 1 and allowance["available"] == total - 1
    assert allowance["main_name"] == "王主"
    r = pay_family(api, member, oid)
    assert r.status_code == 409 and r.json()["error"]["code"] == "family_cap_exceeded"
    assert r.json()["error"]["details"]["left"] == total - 1
    assert wallet(api, main)["balance"] == 50000  # nothing moved

    api.put(f"/me/family/members/{wid}/cap", main, json={"monthly_cap": total + 100})
    r = pay_family(api, member, oid, amount=total)
    assert r.status_code == 201, r.text
    paid = r.json()
    assert paid["provider"] == "wallet" and paid["method"] == "family"
    assert paid["status"] == "succeeded"
    assert wallet(api, main)["balance"] == 50000 - total
    balances = trial(api, finance)
    assert balances[f"wallet:customer:{mid}"] == -(50000 - total)
    assert balances[f"escrow:order:{oid}"] == -total
    r = api.get(f"/ops/ledger/orders/{oid}", finance)
    memos = [e["memo"] for e in r.json()]
    assert any(mid in memo and wid in memo for memo in memos), memos
    after = api.get("/me/family/allowance", member).json()
    assert after["spent_this_month"] == total and after["cap_left"] == 100

    # the member's order stays his: the main account sees neither it nor its payments
    assert api.get(f"/orders/{oid}", main).status_code == 404
    assert api.get(f"/payments/{paid['payment_id']}", main).status_code == 404
    assert oid not in [o["id"] for o in api.get("/orders", main).json()]

    # his history shows a member's payment, not which order it was
    line = wallet(api, main)["history"][0]
    assert (line["kind"], line["amount"], line["order_id"]) == ("family_payment", -total, None)

    # cancelled: the money goes back to the main account's wallet, not the member's
    r = api.post(f"/orders/{oid}/cancel", member, json={"reason": "plans changed"})
    assert r.status_code == 200, r.text
    assert wallet(api, main)["balance"] == 50000
    assert wallet(api, main)["history"][0]["kind"] == "family_refund"
    assert wallet(api, member)["balance"] == 0
    assert api.get("/me/family/allowance", member).json()["spent_this_month"] == 0


def test_a_short_family_balance_is_refused(api):
    main = api.register("customer")
    member = api.register("customer")
    join(api, main, member)
    order = api.order(member, hours_ahead=48)
    r = pay_family(api, member, order["id"])
    assert code(r) == (409, "family_balance_short")
    assert api.get("/me/family/allowance", member).json()["available"] == 0


def test_invitations_are_metered_so_phones_cannot_be_probed_in_bulk(api):
    main = api.register("customer")
    codes = [
        api.post("/me/family/invitations", main, json={"phone": f"1381234{n:04d}"}).status_code
        for n in range(INVITES_PER_HOUR + 1)
    ]
    assert codes == [422] * INVITES_PER_HOUR + [429]
