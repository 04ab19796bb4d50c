"""Entry point: ``python -m customer_app [--web] [--port P] [--server URL]``.

Web mode serves the app with ``no_cdn=True`` (works with no internet); without
``--web`` it opens a desktop window. The server URL also comes from
``DOORSTEP_SERVER_URL`` (default ``http://127.0.0.1:8000``).
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import flet as ft

from client import look
from client.api import DoorstepClient
from client.device import DevicePosition, DeviceSessionKeeper
from client.feed import LiveFeed
from customer_app.context import AppContext
from customer_app.i18n import t
from customer_app.navigation import ROUTES, AddressBar, AddressContext
from customer_app.state import CustomerState, LocalStore, default_store_path

APP_DIR = Path(__file__).resolve().parent
# the repository's shared assets (CJK font) in a checkout; ``assets/`` beside the app in a
# packaged build (scripts/stage_flet_build.py puts the font there)
ASSETS_DIR = next(
    (d for d in (APP_DIR.parent / "assets", APP_DIR / "assets") if (d / "fonts").is_dir()),
    APP_DIR.parent / "assets",
)
log = logging.getLogger("customer_app")
SESSION_KEY = "doorstep.customer.session"
CHOICES_KEY = "doorstep.customer.choices"  # the language


def feed_factory() -> Any:
    """The shared live feed (``client.feed.LiveFeed``): pushes with reconnect and resume."""

    def make(api: DoorstepClient, *, on_message: Any) -> LiveFeed:
        return LiveFeed(api, on_message=on_message)

    return make


@ft.component
def App(state: CustomerState, bar: AddressBar) -> Any:
    """The root: the state (and through it the API client) and the address bar handed
    down by context, the screens routed by the address."""

    def follow_state() -> Callable[[], None]:
        return state.subscribe(bar.state_changed, ("session",))  # the route

    ft.use_effect(follow_state, [])
    return AppContext(
        state, lambda: AddressContext(bar, lambda: ft.Router(ROUTES, manage_views=True))
    )


def make_main(server_url: str, *, persist_session: bool) -> Any:
    async def main(page: ft.Page) -> None:
        page.title = t("zh", "app_title")
        look.apply(page, ft.Colors.TEAL)
        client = DoorstepClient(server_url)
        state = CustomerState(
            client,
            store=LocalStore(default_store_path()),
            feed_factory=feed_factory(),
            persist_session=persist_session,
            # the web build serves many browsers: each keeps its own session, which a
            # restart of this process leaves in place
            sessions=None if persist_session else DeviceSessionKeeper(SESSION_KEY),
            choices=None if persist_session else DeviceSessionKeeper(CHOICES_KEY),
            locate=DevicePosition().locate,
            live_quotes=True,
        )

        async def closed(_e: Any) -> None:
            await state.stop_tracking()
            await state.stop_retrying()
            await client.aclose()

        page.on_close = closed

        def resized(e: ft.PageResizeEvent) -> None:  # phone, tablet or desktop layout
            state.set_screen_width(e.width)

        state.set_screen_width(page.width)
        page.on_resize = resized
        # opened at an address (a link, a reload): the state comes there once started
        bar = AddressBar(state, page.navigate, page.run_task, page.route or "/")
        page.render_views(App, state, bar)
        await state.start()

    return main


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="customer_app", description="Doorstep customer app")
    parser.add_argument(
        "--web", action="store_true", help="serve in the browser instead of a desktop window"
    )
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("DOORSTEP_CUSTOMER_PORT", "8550"))
    )
    parser.add_argument("--host", default=os.environ.get("DOORSTEP_CUSTOMER_HOST", "127.0.0.1"))
    parser.add_argument(
        "--server", default=os.environ.get("DOORSTEP_SERVER_URL", "http://127.0.0.1:8000")
    )
    parser.add_argument("--open", action="store_true", help="web mode: also open a browser tab")
    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("DOORSTEP_LOG_LEVEL", "INFO"))
    if args.web:
        if not args.open:
            os.environ.setdefault("FLET_FORCE_WEB_SERVER", "true")
        # one web process serves many browsers: no session in its files (each browser
        # keeps its own)
        ft.run(
            make_main(args.server, persist_session=False),
            host=args.host,
            port=args.port,
            view=ft.AppView.WEB_BROWSER,
            assets_dir=str(ASSETS_DIR),
            no_cdn=True,
            web_renderer=look.WEB_RENDERER,
        )
    else:
        ft.run(make_main(args.server, persist_session=True), assets_dir=str(ASSETS_DIR))


if __name__ == "__main__":
    cli()
