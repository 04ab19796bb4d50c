"""家庭账户 invitations beyond their answers: the main account withdraws one still pending
(only his own, only while pending), and the invited customer is told in his inbox."""

from __future__ import annotations

from server.pricing.family import FAMILY_ROUTE, INVITED
from tests.api.payment_steps import relogin
from tests.api.test_family import code, family, invite, join


def withdraw(api, user, invitation_id):
    return api.post(f"/me/family/invitations/{invitation_id}/withdraw", user)


def notices(api, user, kind=INVITED):
    r = api.get("/me/notifications", user)
    assert r.status_code == 200, r.text
    return [n for n in r.json() if n["kind"] == kind]


def test_the_main_account_withdraws_a_pending_invitation(api):
    main = api.register("customer", "张主")
    wife = api.register("customer", "李妻")
    sent = invite(api, main, wife).json()
    r = withdraw(api, main, sent["invitation_id"])
    assert r.status_code == 200, r.text
    mine = r.json()
    assert mine["invitations_sent"] == [] and mine["role"] == "none"
    assert family(api, wife)["invitations_received"] == []
    # the invitee can no longer answer it, and is told why
    path = f"/me/family/invitations/{sent['invitation_id']}"
    assert code(api.post(f"{path}/accept", wife)) == (409, "invite_withdrawn")
    assert code(api.post(f"{path}/decline", wife)) == (409, "invite_withdrawn")
    assert family(api, wife)["role"] == "none"
    # withdrawn twice: no longer pending
    r = withdraw(api, main, sent["invitation_id"])
    assert code(r) == (409, "invite_not_pending")
    assert r.json()["error"]["details"]["status"] == "withdrawn"
    # the place is free: inviting again is a new invitation
    again = invite(api, main, wife).json()
    assert again["invitation_id"] != sent["invitation_id"] and again["status"] == "pending"


def test_only_the_inviter_withdraws(api):
    main = api.register("customer")
    member = api.register("customer")
    stranger = api.register("customer")
    sent = invite(api, main, member).json()
    for someone in (member, stranger):
        assert code(withdraw(api, someone, sent["invitation_id"])) == (404, "invite_not_found")
    assert code(withdraw(api, main, "fin_missing")) == (404, "invite_not_found")
    # still pending for the invitee
    received = family(api, member)["invitations_received"]
    assert [i["invitation_id"] for i in received] == [sent["invitation_id"]]


def test_an_answered_or_lapsed_invitation_cannot_be_withdrawn(api):
    main = api.register("customer")
    wife = api.register("customer")
    son = api.register("customer")
    late = api.register("customer")
    join(api, main, wife)
    # the accepted invitation's id, from the notice the invitee got
    (note,) = notices(api, wife)
    r = withdraw(api, main, note["data"]["invitation_id"])
    assert code(r) == (409, "invite_not_pending")
    assert r.json()["error"]["details"]["status"] == "accepted"
    assert family(api, wife)["role"] == "member"

    declined = invite(api, main, son).json()["invitation_id"]
    assert api.post(f"/me/family/invitations/{declined}/decline", son).status_code == 200
    r = withdraw(api, main, declined)
    assert code(r) == (409, "invite_not_pending")
    assert r.json()["error"]["details"]["status"] == "declined"

    lapsed = invite(api, main, late).json()["invitation_id"]
    api.app.state.clock.advance(days=7, seconds=1)
    relogin(api, main)
    r = withdraw(api, main, lapsed)
    assert code(r) == (409, "invite_not_pending")
    assert r.json()["error"]["details"]["status"] == "expired"


def test_the_invited_customer_gets_an_inbox_notice_once(api):
    main = api.register("customer", "张主")
    member = api.register("customer", "李员")
    sent = invite(api, main, member, kind="staff").json()
    invite(api, main, member, kind="staff")  # asked again: the same invitation, no new notice
    (note,) = notices(api, member)
    assert note["title"] == "张主邀请您加入家庭账户"
    assert "企业员工" in note["body"]
    assert note["data"]["route"] == FAMILY_ROUTE == "/family"
    assert note["data"]["invitation_id"] == sent["invitation_id"]
    assert note["read_at"] is None
    assert notices(api, main) == []
    # inbox only: nothing goes through an outside channel
    op = api.staff("operator")
    r = api.get(f"/ops/notifications/deliveries?user_id={member['user']['id']}", op)
    assert r.status_code == 200, r.text
    assert r.json() == []
