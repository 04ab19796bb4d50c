"""Reads never write: what an account starts with is made at sign-up, and an older account
missing it reads as blank until its first change stores it."""

from __future__ import annotations

from sqlmodel import select

from server.pricing.models import Coupon, ReferralCode
from server.technicians.models import TechnicianProfile
from tests.unit_of_work import unit_of_work


def _user_id(user: dict) -> str:
    return user["user"]["id"]


def test_sign_up_makes_the_technicians_profile_and_the_customers_wallet(api) -> None:  # noqa: ANN001
    tech = api.register("technician")
    customer = api.register("customer")
    with unit_of_work(api.app) as uow:
        assert uow.session.get(TechnicianProfile, _user_id(tech)) is not None
        code = uow.session.get(ReferralCode, _user_id(customer))
        coupons = uow.session.exec(
            select(Coupon).where(Coupon.customer_id == _user_id(customer))
        ).all()
    assert code is not None
    assert [c.kind for c in coupons] == ["new_customer"]
    wallet = api.get("/me/wallet", customer)
    assert wallet.status_code == 200, wallet.text
    assert wallet.json()["referral_code"] == code.code


def test_an_older_technician_without_a_profile_reads_blank_and_saves_on_change(api) -> None:  # noqa: ANN001
    tech = api.register("technician")
    with unit_of_work(api.app) as uow:  # an account from before sign-up made profiles
        uow.session.delete(uow.session.get(TechnicianProfile, _user_id(tech)))
    for path in (
        "/technician/profile",
        "/technician/availability",
        "/technician/service-area",
        "/technician/courses",
    ):
        r = api.get(path, tech)
        assert r.status_code == 200, (path, r.text)
    with unit_of_work(api.app) as uow:
        assert uow.session.get(TechnicianProfile, _user_id(tech)) is None
    r = api.put("/technician/availability", tech, json={"weekly": {"mon": [["09:00", "12:00"]]}})
    assert r.status_code == 200, r.text
    with unit_of_work(api.app) as uow:
        assert uow.session.get(TechnicianProfile, _user_id(tech)) is not None
