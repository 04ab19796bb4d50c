"""The app outlives trouble: a browser's own storage keeps the session through a restart
of the web app's process (rotated tokens kept as they rotate; a session ended elsewhere
signs the customer out, no answer keeps him in), and a home loaded while the server was
down fills in by itself once it answers."""

from __future__ import annotations

from pathlib import Path

from client.api import DoorstepClient, NetworkError
from customer_app.model import JSON
from customer_app.state import CustomerState, LocalStore
from server.core.clock import FrozenClock
from tests.apps.conftest import LiveServer
from tests.apps.customer.conftest import sign_up, wait_for


class BrowserStorage:
    """A browser's local storage, as ``client.device.DeviceSessionKeeper`` keeps it."""

    def __init__(self) -> None:
        self.saved: JSON | None = None

    async def load(self) -> JSON | None:
        return self.saved

    async def save(self, session: JSON | None) -> None:
        self.saved = session


def web_state(server: LiveServer, clock: FrozenClock, tmp: Path, storage: BrowserStorage):  # noqa: ANN201
    """The customer app as the web build makes it: no session in its files."""
    return CustomerState(
        DoorstepClient(server.base_url),
        store=LocalStore(tmp / "shared.json"),
        now=clock.now,
        persist_session=False,
        sessions=storage,
    )


async def test_a_restart_of_the_web_app_signs_no_one_out(
    server: LiveServer, clock: FrozenClock, tmp_path: Path
) -> None:
    mine, theirs = BrowserStorage(), BrowserStorage()
    before = web_state(server, clock, tmp_path, mine)
    await sign_up(before, server, "孙女士")
    assert mine.saved and mine.saved["refresh_token"]
    await before.client.refresh()  # tokens rotate while the app runs
    assert mine.saved["refresh_token"] == before.client.session.refresh_token
    await before.client.aclose()

    after = web_state(server, clock, tmp_path, mine)  # a new process, the same browser
    await after.start()
    assert after.session.user is not None and after.session.user.name == "孙女士"
    other = web_state(server, clock, tmp_path, theirs)  # another browser: nobody
    await other.start()
    assert other.session.user is None
    assert LocalStore(tmp_path / "shared.json").get("session") is None
    await after.logout()
    assert mine.saved is None
    for st in (after, other):
        await st.client.aclose()


async def test_a_session_ended_elsewhere_signs_out_and_no_answer_keeps_in(
    server: LiveServer, clock: FrozenClock, tmp_path: Path
) -> None:
    storage = BrowserStorage()
    first = web_state(server, clock, tmp_path, storage)
    await sign_up(first, server, "钱先生")
    kept = dict(storage.saved or {})

    offline = web_state(server, clock, tmp_path, storage)

    async def no_answer() -> None:
        raise NetworkError("cannot reach the server", maybe_delivered=False)

    offline.client.me = no_answer  # type: ignore[method-assign]
    await offline.start()
    assert offline.session.user is not None and storage.saved == kept

    await first.client.logout(all_devices=True)  # ended on the server, from elsewhere
    storage.saved = kept
    clock.advance(hours=2)  # the access token has expired: the refresh is refused
    ended = web_state(server, clock, tmp_path, storage)
    await ended.start()
    assert ended.session.user is None and storage.saved is None
    for st in (first, offline, ended):
        await st.client.aclose()


async def test_the_home_recovers_on_its_own_when_the_server_comes_back(
    state: CustomerState, server: LiveServer
) -> None:
    """The app loaded while the server was down: home says so, then fills in by itself."""
    answer = state.client.categories
    down = {"calls": 0}

    async def categories():  # noqa: ANN202
        down["calls"] += 1
        if down["calls"] <= 3:
            raise NetworkError("cannot reach the server", maybe_delivered=False)
        return await answer()

    state.client.categories = categories  # type: ignore[method-assign]
    state.catalog_retry_delays = (0.01, 0.02)
    await state.start()
    assert state.catalog.categories == [] and state.catalog.server_unreachable
    assert state.session.error and "网络" in state.session.error
    await wait_for(lambda: state.catalog.categories)
    assert (
        not state.catalog.server_unreachable and state.session.error is None and down["calls"] == 4
    )
    assert state.catalog.recommendations["popular"]
