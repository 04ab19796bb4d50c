"""How often the customer app's screens redraw: feature stores against one change signal.

A scripted customer (``CustomerState`` against a real server on SQLite, with the demo
city's technicians) browses, signs up, picks a place, books, pays, follows the
technician's way (the live feed's pushes, handed to the state as the feed hands them
over), writes to support and opens the inbox, the wallet and the points mall; the
platform's notices arrive meanwhile. Every step ends in a flush of the stores. The
baseline is the app as it was built before the stores: one signal, which redrew every
screen on every step. With the stores a screen redraws when the session or a store it
reads changed (``customer_app.navigation.READS``).

Two figures, each against the one-signal baseline of the same walk:

* the screen on display: its redraws, and the time spent building its view for them;
* every screen mounted at once (an upper bound: the Router keeps a route's parents).

    python bench/screen_renders.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flet.components.component import Renderer  # noqa: E402

from bench.load import seed_demo  # noqa: E402
from bench.servers import Server, log, sqlite_setup  # noqa: E402
from client.api import DoorstepClient  # noqa: E402
from customer_app.navigation import READS  # noqa: E402
from customer_app.state import CustomerState  # noqa: E402
from customer_app.views.auth import login_view  # noqa: E402
from customer_app.views.book import book_view  # noqa: E402
from customer_app.views.family import family_view  # noqa: E402
from customer_app.views.home import home_view  # noqa: E402
from customer_app.views.inbox import inbox_view  # noqa: E402
from customer_app.views.mall import mall_view  # noqa: E402
from customer_app.views.me import me_view  # noqa: E402
from customer_app.views.notice_settings import notice_settings_view  # noqa: E402
from customer_app.views.order import order_view  # noqa: E402
from customer_app.views.service import service_view, technician_view  # noqa: E402
from customer_app.views.support import support_view  # noqa: E402
from customer_app.views.wallet import wallet_view  # noqa: E402

OUT = ROOT / "bench" / "out" / "screen_renders.json"
VIEWS: dict[str, Callable[[CustomerState], Any]] = {
    "home": home_view,
    "login": login_view,
    "service": service_view,
    "technician": technician_view,
    "book": book_view,
    "order": order_view,
    "me": me_view,
    "support": support_view,
    "wallet": wallet_view,
    "family": family_view,
    "inbox": inbox_view,
    "mall": mall_view,
    "notice_settings": notice_settings_view,
}


def screen_of(route: str) -> str:
    head = route.strip("/").split("/")[0]
    return head.replace("-", "_") or "home"


class Meter:
    """Counts, at each flush, which screens the stores tell and what one signal would."""

    def __init__(self, state: CustomerState) -> None:
        self.state = state
        self.flushes = 0
        self.told = dict.fromkeys(READS, 0)
        self.shown_told = 0
        self.shown_build_s = 0.0  # building the view on display, at each redraw it gets
        self.baseline_build_s = 0.0  # ... at every step, as one signal redrew it
        self._told_now: set[str] = set()
        for name, stores in READS.items():
            state.subscribe(lambda name=name: self._told_now.add(name), ("session", *stores))
        flush = state.stores.flush

        def measured(*touched: Any) -> None:
            self._told_now = set()
            flush(*touched)
            self.flushes += 1
            for name in self._told_now:
                self.told[name] += 1
            shown = screen_of(state.session.route)
            started = time.perf_counter()
            with Renderer().with_context():  # its components are made, as on a page
                VIEWS[shown](state)
            spent = time.perf_counter() - started
            self.baseline_build_s += spent
            if shown in self._told_now:
                self.shown_told += 1
                self.shown_build_s += spent

        state.stores.flush = measured  # type: ignore[method-assign]


async def walk(url: str, phone: str) -> Meter:
    state = CustomerState(DoorstepClient(url), persist_session=False, live_quotes=False)
    meter = Meter(state)
    await state.start()
    await state.search("擦玻璃")
    await state.set_filter("duration", "short")
    await state.set_filter("duration", "any")
    await state.open_service("svc_window_cleaning")
    await state.begin_booking("svc_window_cleaning")  # not signed in: the sign-up first
    for key, value in (
        ("auth_mode", "register"),
        ("phone", phone),
        ("password", "correct horse"),
        ("name", "王先生"),
    ):
        state.set_form(key, value)
    state.toggle_consent()
    assert await state.submit_auth(), state.session.error
    state.set_form("addr_query", "三里屯")
    await state.search_places()
    state.pick_place(state.booking.place_hits[0])
    state.set_form("addr_detail", "5号楼1902")
    assert await state.submit_address(), state.session.error
    await notices(state, "book", 3)  # while booking, the platform writes
    state.choose_slot(next(s for s in state.booking.slots if s.available))
    assert await state.request_quote() is not None, state.session.error
    state.update_draft(units=5)
    assert await state.request_quote() is not None, state.session.error
    assert await state.place_order() is not None, state.session.error
    assert await state.approve_sandbox_payment(), state.session.error
    for _ in range(3):
        await state.refresh_order()
    await way_here(state, 20)  # the technician on his way, as the feed pushes it
    await notices(state, "order", 2)
    await state.open_support()
    for n in range(5):
        state.set_form("support-text", f"第{n + 1}个问题")
        assert await state.submit_support(), state.session.error
    await state.open_inbox()
    await state.open_wallet()
    await state.open_mall()
    await state.load_me()
    await state.stop_tracking()
    await state.client.aclose()
    return meter


async def notices(state: CustomerState, where: str, n: int) -> None:
    for k in range(n):
        note = {
            "id": f"ntf_{where}_{k}",
            "kind": "promotion",
            "title": "本周保洁9折",
            "body": "周末预约日常保洁享9折",
            "data": {},
            "created_at": "2026-12-04T02:00:00+00:00",
            "read_at": None,
        }
        await state.on_feed_message({"type": "notification", "notification": note})


async def way_here(state: CustomerState, n: int) -> None:
    order = state.visit.order
    assert order is not None and order.lat is not None and order.lng is not None
    for k in range(n):
        far = (n - k) * 0.002
        await state.on_feed_message(
            {
                "type": "location",
                "order_id": order.id,
                "lat": order.lat + far,
                "lng": order.lng,
                "at": f"2026-12-04T02:{k:02d}:00+00:00",
            }
        )


def figures(meters: list[Meter]) -> dict[str, Any]:
    flushes = sum(m.flushes for m in meters)
    shown = sum(m.shown_told for m in meters)
    build = sum(m.shown_build_s for m in meters)
    baseline_build = sum(m.baseline_build_s for m in meters)
    mounted = sum(sum(m.told.values()) for m in meters)
    per_screen = {name: sum(m.told[name] for m in meters) for name in READS}
    return {
        "walks": len(meters),
        "steps": flushes,
        "screen_on_display": {
            "redraws_one_signal": flushes,
            "redraws_stores": shown,
            "ratio": round(flushes / shown, 2) if shown else None,
            "view_build_ms_one_signal": round(baseline_build * 1000, 1),
            "view_build_ms_stores": round(build * 1000, 1),
            "build_ratio": round(baseline_build / build, 2) if build else None,
        },
        "all_screens_mounted": {
            "redraws_one_signal": flushes * len(READS),
            "redraws_stores": mounted,
            "ratio": round(flushes * len(READS) / mounted, 2) if mounted else None,
            "by_screen": per_screen,
        },
    }


async def main_async(rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        setup = sqlite_setup(Path(tmp))
        seed_demo(setup)  # technicians around the demo city: slots to book
        with Server(setup) as server:
            meters = []
            for n in range(rounds):
                log(f"walk {n + 1} of {rounds}")
                meters.append(await walk(server.url, f"1371234{n:04d}"))
    return figures(meters)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    result = asyncio.run(main_async(args.rounds))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    shown, mounted = result["screen_on_display"], result["all_screens_mounted"]
    print(
        f"{result['steps']} steps in {result['walks']} walks. Screen on display: "
        f"{shown['redraws_one_signal']} redraws with one signal, {shown['redraws_stores']} "
        f"with stores ({shown['ratio']}x); view building {shown['view_build_ms_one_signal']} "
        f"ms vs {shown['view_build_ms_stores']} ms ({shown['build_ratio']}x). All screens "
        f"mounted: {mounted['redraws_one_signal']} vs {mounted['redraws_stores']} "
        f"({mounted['ratio']}x)."
    )


if __name__ == "__main__":
    main()
