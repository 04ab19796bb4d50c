"""The customer app's state layer against a real server over HTTP (no UI): the live
server, a signed-in state and the booking steps the tests share. The server runs with a
frozen clock the tests move, so fee bands and windows are exact."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from client.api import DoorstepClient
from client.models import OrderRead
from customer_app.state import (
    Address,
    CustomerState,
    LocalStore,
)
from server.core.clock import FrozenClock
from tests.apps.conftest import DEMO_ADDRESS, LiveServer, live_settings, serve

HOME = Address(
    text=DEMO_ADDRESS["text"],
    lat=DEMO_ADDRESS["lat"],
    lng=DEMO_ADDRESS["lng"],
    district=DEMO_ADDRESS["district"],
    label="家",
)
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 200


@pytest.fixture
def clock() -> FrozenClock:
    # 2026-06-01 10:00 Beijing
    return FrozenClock(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))


@pytest.fixture
def server(tmp_path: Path, clock: FrozenClock) -> Iterator[LiveServer]:
    settings = live_settings(tmp_path / "server")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with serve(settings, clock=clock) as live:
        live.ready_technician(at=(HOME.lat, HOME.lng))  # the slots near home are open
        yield live


def feed_factory():  # noqa: ANN201
    from customer_app.main import feed_factory as app_feed_factory

    return app_feed_factory()


@pytest.fixture
async def state(
    server: LiveServer, clock: FrozenClock, tmp_path: Path
) -> AsyncIterator[CustomerState]:
    client = DoorstepClient(server.base_url)
    st = CustomerState(
        client, store=LocalStore(tmp_path / "app.json"), now=clock.now, feed_factory=feed_factory()
    )
    yield st
    await st.stop_tracking()
    await st.stop_retrying()
    await client.aclose()


async def sign_up(state: CustomerState, server: LiveServer, name: str) -> None:
    """The code texted to the phone (filled in from the sandbox's reply), then the account."""
    state.session.form["consent"] = True  # the 用户协议 and 隐私政策 ticked
    phone = server.next_phone()
    assert await state.send_code(phone), state.session.error
    assert state.session.form["code"] and "验证码已发送" in (state.session.notice or "")
    assert await state.register(
        phone=phone, password="correct horse", name=name, code=state.session.form["code"]
    ), state.session.error


async def signed_in(state: CustomerState, server: LiveServer, name: str = "张女士") -> None:
    await sign_up(state, server, name)
    state.save_address(HOME)


async def wait_for(predicate, timeout: float = 10.0) -> None:  # noqa: ANN001
    """Wait for a pushed update to reach the state (no polling of the server)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("the pushed update did not arrive")
        await asyncio.sleep(0.05)


async def book(
    state: CustomerState, service_id: str, start: datetime | None = None, **draft
) -> OrderRead:  # noqa: ANN003
    await state.open_service(service_id)
    await state.begin_booking(service_id)
    assert state.session.route == f"/book/{service_id}"
    if start is None:
        slot = next(s for s in state.booking.slots if s.available)
        state.choose_slot(slot)
    else:
        state.update_draft(slot_start=start)
    state.update_draft(**draft)
    quote = await state.request_quote()
    assert quote is not None, state.session.error
    order = await state.place_order()
    assert order is not None, state.session.error
    assert await state.approve_sandbox_payment(), state.session.error
    assert state.visit.order.status == "PENDING_DISPATCH"
    return state.visit.order
