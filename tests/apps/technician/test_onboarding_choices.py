"""Onboarding offers every skill and certificate type the catalog has (月嫂, 开锁, 搬家,
收纳 workers register too), and a new account reads "资料未提交" until it has actually
sent its data, "资料审核中" only after."""

from __future__ import annotations

from pathlib import Path

import yaml

from technician_app.state import VERIFICATION_LABELS, TechnicianState
from tests.apps.conftest import LiveServer
from tests.apps.technician.conftest import png

CATALOG = yaml.safe_load((Path(__file__).parents[3] / "assets" / "catalog.yaml").read_text())


async def new_account(tech: TechnicianState, live: LiveServer) -> None:
    phone = live.next_phone()
    code = await tech.send_code(phone)
    assert await tech.register(
        phone=phone, password="correct horse", name="孙阿姨", code=code, agreed=True
    )


async def test_every_catalog_skill_can_be_chosen_and_saved(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    await new_account(tech, live_server)
    await tech.load_onboarding_choices()
    skills = {s.code: s.name_zh for s in tech.onboarding_choices("skills")}
    assert skills == {s["code"]: s["name_zh"] for s in CATALOG["skills"]}
    assert {"maternity_care", "locksmith", "moving", "organizing"} <= set(skills)
    certificates = {c.code for c in tech.onboarding_choices("certificate_types")}
    assert certificates == {c["code"] for c in CATALOG["certificates"]}
    assert await tech.save_profile(skills=["maternity_care", "locksmith", "moving", "organizing"])
    assert set(tech.me.profile.skills) == {"maternity_care", "locksmith", "moving", "organizing"}
    assert await tech.upload_certificate(
        cert_type="locksmith", data=png(), filename="lock.png", content_type="image/png"
    )
    assert [c.type for c in tech.me.certificates] == ["locksmith"]


async def test_not_submitted_until_data_is_sent_then_under_review(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    await new_account(tech, live_server)
    assert tech.me.verification == "pending"  # the server's word for a new account
    assert tech.verification_stage == "not_submitted"
    assert VERIFICATION_LABELS["zh"][tech.verification_stage] == "资料未提交，请完善资料"
    assert await tech.upload_certificate(
        cert_type="health", data=png(), filename="health.png", content_type="image/png"
    )
    assert tech.me.profile.submitted_at is not None
    assert tech.verification_stage == "pending"
    assert VERIFICATION_LABELS["zh"][tech.verification_stage] == "资料审核中"


async def test_saving_the_profile_submits_it(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    await new_account(tech, live_server)
    assert tech.verification_stage == "not_submitted"
    assert await tech.save_profile(skills=["cleaning"], bio="八年保洁", experience_years=8)
    assert tech.verification_stage == "pending"
