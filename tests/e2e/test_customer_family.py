"""The family account in the browser: invited by phone from the main account, the member
opens 我的 → 家庭账户, reads who invites them, accepts, and sees the family."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_a_member_accepts_an_invitation_to_the_family(
    e2e_server, flet_web_app, open_app, ui, screenshot
) -> None:  # noqa: ANN001
    main = e2e_server.register("customer", "王芳")
    member = e2e_server.register("customer", "王小明")
    r = e2e_server.call(
        "POST", "/me/family/invitations", main, json={"phone": member["phone"], "kind": "family"}
    )
    assert r.status_code == 201, r.text

    url = flet_web_app("customer_app", e2e_server.base_url)
    page = open_app(url)
    ui.sign_in_to_me(page, member)
    ui.tap_to(page, "家庭账户", "收到的邀请")
    ui.wait_text(page, "邀请您以家人身份加入")  # who invites, and as what
    ui.tap(page, "接受", exact=True)
    ui.wait_text(page, "已加入家庭账户")
    ui.wait_text(page, "主账户")
    screenshot(page, "customer_family", "主账户")
    family = e2e_server.call("GET", "/me/family", main).json()
    assert member["user"]["id"] in [m["user_id"] for m in family["members"]]
