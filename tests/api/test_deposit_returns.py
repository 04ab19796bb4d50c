"""Returning a deposit through the API: what it holds above the requirement (here after
the requirement fell) goes to the technician's payable, paid out with his next payout;
never more, never while a check of his is open, never anyone's but his own."""

from __future__ import annotations

from tests.api.ops.helpers import complete, trial
from tests.api.test_quality_checks import passed, set_rules


def paid_in(api, tech, amount: int) -> None:  # noqa: ANN001
    r = api.post(
        "/technician/deposit/top-ups", tech, json={"amount": amount, "confirm_large": True}
    )
    assert r.status_code == 201, r.text
    r = api.post(f"/sandbox/payments/{r.json()['payment_id']}/approve", tech)
    assert r.status_code == 200, r.text


def over_held(api):  # noqa: ANN001, ANN201
    """A technician holding ¥5000 after the requirement fell from ¥5000 to ¥2000."""
    operator = api.staff("operator")
    set_rules(api, operator, {"quality": {"deposit": {"base_fen": 500_000}}})
    tech = api.register("technician", "李师傅")
    paid_in(api, tech, 500_000)
    set_rules(api, operator, {"quality": {"deposit": {"base_fen": 200_000}}})
    deposit = api.get("/technician/deposit", tech).json()
    assert deposit["held"] == 500_000 and deposit["required"] == 200_000
    assert deposit["returnable"] == 300_000 and deposit["shortfall"] == 0
    return operator, tech


def test_a_technician_takes_back_what_his_deposit_holds_above_the_requirement(api):
    _operator, tech = over_held(api)
    finance = api.staff("finance")
    tid = tech["user"]["id"]
    for amount, code, status in (
        (300_001, "deposit_not_returnable", 409),
        (0, "return_invalid", 422),
    ):
        r = api.post("/technician/deposit/returns", tech, json={"amount": amount})
        assert r.status_code == status and r.json()["error"]["code"] == code, r.text
    refused = api.post("/technician/deposit/returns", tech, json={"amount": 300_001})
    assert refused.json()["error"]["details"]["returnable"] == 300_000
    [row] = api.get("/ops/quality/deposits", finance).json()  # finance sees it too
    assert row["technician_id"] == tid and row["returnable"] == 300_000

    r = api.post("/technician/deposit/returns", tech, json={"amount": 100_000})
    assert r.status_code == 201, r.text
    deposit = r.json()
    assert deposit["held"] == 400_000 and deposit["returnable"] == 200_000
    assert deposit["history"][0]["kind"] == "return"
    assert deposit["history"][0]["amount"] == -100_000
    balances = trial(api, finance)  # balanced; the payable grew by what was returned
    assert balances["payable:technician:" + tid] == -100_000
    assert balances["deposit:technician:" + tid] == -400_000

    # the rest by default; then nothing is left above the requirement
    r = api.post("/technician/deposit/returns", tech, json={})
    assert r.status_code == 201, r.text
    assert r.json()["held"] == 200_000 and r.json()["returnable"] == 0
    balances = trial(api, finance)
    assert balances["payable:technician:" + tid] == -300_000
    r = api.post("/technician/deposit/returns", tech, json={})
    assert r.status_code == 409 and r.json()["error"]["code"] == "deposit_not_returnable"
    notes = api.get("/me/notifications", tech).json()
    returned = sorted(n["body"] for n in notes if n["kind"] == "quality.deposit_returned")
    assert [b.split("，")[0] for b in returned] == [
        "已退还保证金 ¥1000.00",
        "已退还保证金 ¥2000.00",
    ]


def test_a_replayed_request_returns_once(api):
    _operator, tech = over_held(api)
    headers = {"Idempotency-Key": "return-1"}
    first = api.post("/technician/deposit/returns", tech, json={}, headers=headers)
    again = api.post("/technician/deposit/returns", tech, json={}, headers=headers)
    assert first.status_code == again.status_code == 201, again.text
    assert api.get("/technician/deposit", tech).json()["held"] == 200_000


def test_no_return_while_a_check_of_his_is_open(api):
    operator, tech = over_held(api)
    set_rules(api, operator, {"quality": {"sampling_rate_bp": 10_000}})
    inspector = api.staff("quality_inspector")
    complete(api, api.register("customer", "赵女士"), tech)
    r = api.post("/technician/deposit/returns", tech, json={})
    assert r.status_code == 409 and r.json()["error"]["code"] == "deposit_checks_open"
    assert api.get("/technician/deposit", tech).json()["held"] == 500_000
    [check] = api.get("/inspections", inspector).json()
    passed(api, inspector, check["id"])
    r = api.post("/technician/deposit/returns", tech, json={})
    assert r.status_code == 201 and r.json()["held"] == 200_000


def test_only_his_own_deposit_is_returned(api):
    _operator, tech = over_held(api)
    other = api.register("technician", "王师傅")
    r = api.post("/technician/deposit/returns", other, json={})
    assert r.status_code == 409 and r.json()["error"]["code"] == "deposit_not_returnable"
    assert api.get("/technician/deposit", tech).json()["held"] == 500_000
    for who in (api.register("customer"), api.staff("finance"), None):
        r = api.post("/technician/deposit/returns", who, json={})
        assert r.status_code in (401, 403), r.text
    assert api.get("/technician/deposit", tech).json()["held"] == 500_000
