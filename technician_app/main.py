"""Entry point: ``python -m technician_app [--web] [--port P] [--server URL]``.

Desktop window by default; ``--web`` serves the web build (no CDN, so it works with no
internet). The server URL comes from ``--server`` or ``DOORSTEP_SERVER_URL``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import flet as ft

from client import look
from client.device import DevicePosition
from technician_app.alerts import DeviceAlert, OfferAlerts, make_notifier
from technician_app.context import AppContext
from technician_app.i18n import t
from technician_app.notifier import Alert
from technician_app.state import (
    DEFAULT_IDLE_LOCATION_INTERVAL,
    DEFAULT_LOCATION_INTERVAL,
    DEFAULT_SERVER_URL,
    TechnicianState,
)
from technician_app.views.analytics import AnalyticsView
from technician_app.views.deposit import DepositView
from technician_app.views.earnings import EarningsView
from technician_app.views.home import HomeView
from technician_app.views.inbox import InboxView
from technician_app.views.knowledge import ArticleView, KnowledgeView
from technician_app.views.login import SignupView
from technician_app.views.notice_settings import NoticeSettingsView
from technician_app.views.order import OrderView
from technician_app.views.pool import PoolView
from technician_app.views.ratings import RatingsView
from technician_app.views.sync import SyncView
from technician_app.views.training import CourseView, TrainingView

PACKAGE_DIR = Path(__file__).resolve().parent
PRIMARY = "#1565C0"


def assets_dir() -> str:
    """The repository's shared assets (the fonts) when run from a checkout; the app's own
    ``assets/`` folder in a packaged build."""
    shared = PACKAGE_DIR.parent / "assets"
    if (shared / look.FONTS[look.CJK_FONT]).exists():
        return str(shared)
    return str(PACKAGE_DIR / "assets")


def data_dir(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    if os.environ.get("FLET_APP_STORAGE_DATA"):
        return Path(os.environ["FLET_APP_STORAGE_DATA"])
    return Path.home() / ".doorstep" / "technician"


def parse_location(text: str | None) -> tuple[float, float] | None:
    if not text:
        return None
    lat, lng = (float(part) for part in text.split(","))
    return lat, lng


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m technician_app", description="Doorstep technician app"
    )
    parser.add_argument(
        "--web", action="store_true", help="serve the web build instead of a desktop window"
    )
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("DOORSTEP_TECHNICIAN_PORT", "8551"))
    )
    parser.add_argument("--host", default=os.environ.get("DOORSTEP_TECHNICIAN_HOST", "127.0.0.1"))
    parser.add_argument(
        "--server", default=os.environ.get("DOORSTEP_SERVER_URL", DEFAULT_SERVER_URL)
    )
    parser.add_argument("--data-dir", default=None, help="where the offline queue lives")
    parser.add_argument(
        "--location",
        default=os.environ.get("DOORSTEP_DEVICE_LOCATION"),
        help="developer override: a fixed location 'lat,lng' instead of the device's "
        "(a desktop with no GPS); the app shows that it is fixed",
    )
    parser.add_argument(
        "--poll",
        type=float,
        default=float(os.environ.get("DOORSTEP_TECHNICIAN_POLL", "30")),
        help="seconds between background refreshes (the fallback: offers and order changes "
        "are pushed over the live feed)",
    )
    parser.add_argument(
        "--location-every",
        type=float,
        default=float(os.environ.get("DOORSTEP_LOCATION_INTERVAL", str(DEFAULT_LOCATION_INTERVAL))),
        help="seconds between location reports on the way to a job (0: off; at least 2)",
    )
    parser.add_argument(
        "--idle-location-every",
        type=float,
        default=float(
            os.environ.get("DOORSTEP_IDLE_LOCATION_INTERVAL", str(DEFAULT_IDLE_LOCATION_INTERVAL))
        ),
        help="seconds between location reports while online for orders (0: off)",
    )
    return parser.parse_args(argv)


@ft.component
def App(state: TechnicianState):  # noqa: ANN201
    return AppContext(
        state,
        lambda: ft.Router(
            [
                ft.Route(index=True, component=HomeView),
                ft.Route(path="signup", component=SignupView),
                ft.Route(path="order/:order_id", component=OrderView),
                ft.Route(path="pool", component=PoolView),
                ft.Route(path="earnings", component=EarningsView),
                ft.Route(path="deposit", component=DepositView),
                ft.Route(path="ratings", component=RatingsView),
                ft.Route(path="analytics", component=AnalyticsView),
                ft.Route(path="sync", component=SyncView),
                ft.Route(path="inbox", component=InboxView),
                ft.Route(path="knowledge", component=KnowledgeView),
                ft.Route(path="knowledge/:service_id", component=ArticleView),
                ft.Route(path="training", component=TrainingView),
                ft.Route(path="training/:course_id", component=CourseView),
                ft.Route(path="notice-settings", component=NoticeSettingsView),
            ],
            manage_views=True,
        ),
    )


def wire_notifications(page: ft.Page, state: TechnicianState) -> None:
    """Alerts beyond the screen (``state.alerts``): the system's notifications in a built
    app, the status strip's notice elsewhere; the state learns whether the app is in front
    and which screen is shown."""

    def show_in_app(alert: Alert) -> None:
        text = t(state.session.lang, "alert.notice", title=alert.title, body=alert.body)
        state.notify(text, "info", "alert", route=alert.payload)

    state.use_notifier(
        make_notifier(page, page.navigate, show_in_app, t(state.session.lang, "alert.channel"))
    )
    state.set_shown_route(lambda: page.route)

    def lifecycle(e: ft.AppLifecycleStateChangeEvent) -> None:
        # in front while shown and focused; hidden, paused or another window in focus: not
        state.set_foreground(e.state in (ft.AppLifecycleState.SHOW, ft.AppLifecycleState.RESUME))

    page.on_app_lifecycle_state_change = lifecycle


def make_main(args: argparse.Namespace):  # noqa: ANN201
    async def main(page: ft.Page) -> None:
        look.apply(page, PRIMARY)
        # One state per session. The web build serves many browsers from one process:
        # no saved login is restored there, and each technician's queue lives in their
        # own folder, opened at sign-in (as the customer app keeps no web session).
        folder = data_dir(args.data_dir)
        if args.web:
            folder = folder / "web"
        fixed = parse_location(args.location)
        state = TechnicianState(
            args.server,
            folder,
            location=fixed,
            poll_interval=args.poll,
            persist_session=not args.web,
            location_interval=args.location_every,
            idle_location_interval=args.idle_location_every,
            locate=None if fixed else DevicePosition().locate,  # the device, unless overridden
        )
        page.title = t(state.session.lang, "app.window_title")
        alerts, device = OfferAlerts(), DeviceAlert()

        def offers_changed() -> None:  # a new offer rings, wherever the technician is
            if alerts.arrived(state.work.offers):
                page.run_task(device.ring)

        state.subscribe(offers_changed, ("work",))
        wire_notifications(page, state)

        def resized(e: ft.PageResizeEvent) -> None:  # phone, or one centred column
            state.set_screen_width(e.width)

        state.set_screen_width(page.width)
        page.on_resize = resized
        page.render_views(App, state)
        if state.signed_in:
            await state.refresh()
        await state.start_live()

        async def on_close_session(_e) -> None:  # noqa: ANN001
            await state.close()

        page.on_close = on_close_session

    return main


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.web:
        os.environ["FLET_FORCE_WEB_SERVER"] = "true"  # serve; don't try to open a browser
        ft.run(
            make_main(args),
            host=args.host,
            port=args.port,
            view=ft.AppView.WEB_BROWSER,
            no_cdn=True,
            web_renderer=look.WEB_RENDERER,
            assets_dir=assets_dir(),
        )
    else:
        ft.run(make_main(args), assets_dir=assets_dir())
