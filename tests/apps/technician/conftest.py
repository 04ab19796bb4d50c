"""The technician app's state layer against a real server (no UI): the device clock, a
signed-in technician and the steps the tests share (onboarding, a whole job)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from technician_app import signature
from technician_app.offline import SYNCED
from technician_app.state import TechnicianState
from tests.apps.conftest import DEMO_ADDRESS, LiveServer, free_port

HOME = (DEMO_ADDRESS["lat"], DEMO_ADDRESS["lng"])
FAR = (HOME[0] + 0.01, HOME[1])  # ~1.1 km north


def png(mark: int = 1) -> bytes:
    return signature.render([[(10, 10), (10 + mark * 20, 40)]], width=64, height=48)


class DeviceClock:
    """The phone's clock; tests move it by hand. It starts three hours behind the server,
    so the minutes a test moves it on stay in the past (the server refuses device times
    more than five minutes ahead of its own)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, minutes: int = 1) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now


@pytest.fixture
def device() -> DeviceClock:
    return DeviceClock()


@pytest.fixture
async def tech(live_server: LiveServer, tmp_path: Path, device: DeviceClock):
    state = TechnicianState(live_server.base_url, tmp_path / "phone", now=device, use_feed=False)
    yield state
    await state.close()


def go_offline(state: TechnicianState) -> None:
    state.use_transport(None, server_url=f"http://127.0.0.1:{free_port()}")  # nothing listens there


def go_online(state: TechnicianState, live: LiveServer) -> None:
    state.use_transport(None, server_url=live.base_url)


async def onboard(state: TechnicianState, live: LiveServer) -> None:
    phone = live.next_phone()
    code = await state.send_code(phone)
    assert code  # the sandbox hands it back: filled in, no message to wait for
    assert await state.register(
        phone=phone, password="correct horse", name="王师傅", code=code, agreed=True
    )
    assert state.me.verification == "pending" and not state.verified
    assert await state.save_profile(skills=["cleaning"], bio="十年保洁经验", experience_years=10)
    assert await state.save_service_area(center=HOME, radius_km=10, max_distance_km=8)
    assert await state.save_availability(
        weekly={d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    )
    assert await state.upload_certificate(
        cert_type="health",
        data=png(),
        number="HC-001",
        filename="health.png",
        content_type="image/png",
    )
    assert [c.type for c in state.me.certificates] == ["health"]
    await state.load_profile()
    assert state.me.verification == "pending"  # waiting for an operator

    operator = live.staff("operator")
    r = live.call(
        "POST",
        f"/ops/technicians/{state.user.id}/verify",
        operator,
        json={"decision": "approve", "note": "证件齐全"},
    )
    assert r.status_code == 200, r.text
    await state.refresh()
    assert state.verified


async def do_job(state: TechnicianState, order_id: str, device: DeviceClock) -> None:
    """Depart, arrive, signature, start, every SOP step, finish."""
    state.set_location(*FAR)
    assert (await state.depart(order_id)).status == SYNCED
    device.tick(20)
    assert (await state.arrive(order_id)).status == SYNCED
    assert (await state.sign_work_order(order_id, png(2))).status == SYNCED
    assert (await state.start(order_id)).status == SYNCED
    for step in state.order(order_id).sop:
        device.tick(10)
        photo = png(step.no) if step.photo else None
        assert (await state.sop_done(order_id, step.no, photo=photo)).status == SYNCED
    assert (await state.finish(order_id)).status == SYNCED
