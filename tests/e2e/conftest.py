"""Browser-test harness shared by both apps' e2e tests.

Pieces (all generic; the app under test is named by its module):

* ``e2e_server``  — a real Doorstep server (uvicorn thread, temp SQLite, catalog loaded);
  the same :class:`tests.apps.conftest.LiveServer` the state-layer tests use.
* ``flet_web_app(module_name, server_url, *args)`` — starts ``python -m <module> --web
  --port P --server URL`` in a subprocess on a free port (its data folder in a temp
  dir via ``FLET_APP_STORAGE_DATA``) and returns its URL; stopped at teardown.
* ``browser`` — headless Debian Chromium through Playwright (never downloads one).
* ``open_app(url)`` — a new phone-sized page with Flutter's semantics tree enabled, so
  controls are found by role and accessible name (``page.get_by_role("button", name=...)``).
* ``shot(page, name, expect)`` — screenshot into ``tests/e2e/out/<name>.png`` once the
  screen shows the text ``expect``.
* ``ui`` — the helpers of ``tests/e2e/ui.py``: ``ui.tap(page, name)``,
  ``ui.fill(page, label, text)``, ``ui.wait_text(page, text)``.

Browser tests are marked ``@pytest.mark.e2e``. They skip only when Chromium is missing
AND the ``CI`` variable is unset; in CI a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.apps.conftest import LiveServer, free_port, live_settings, serve
from tests.e2e.ui import UI, UI_TIMEOUT_MS, painted

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = Path(__file__).resolve().parent / "out"
CHROMIUM_ARGS = [
    "--headless",
    "--autoplay-policy=no-user-gesture-required",  # a phone rings without a tap first
    "--use-fake-device-for-media-stream",  # a camera that films a test pattern
    "--use-fake-ui-for-media-stream",  # and may be used without asking
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE_VIEWPORT = {"width": 412, "height": 915}
APP_START_TIMEOUT = 90.0


def chromium_path() -> str | None:
    candidate = os.environ.get("DOORSTEP_CHROMIUM") or "/usr/bin/chromium"
    if Path(candidate).exists():
        return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _skip_or_fail_without_browser() -> str:
    path = chromium_path()
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail("Chromium is required for browser tests in CI (set DOORSTEP_CHROMIUM)")
    pytest.skip("Chromium not installed (set DOORSTEP_CHROMIUM); browser tests skipped outside CI")
    raise AssertionError("unreachable")


@pytest.fixture
def e2e_server(tmp_path: Path) -> Iterator[LiveServer]:
    settings = live_settings(tmp_path / "server")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with serve(settings) as live:
        yield live


def _wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"app process exited with {proc.returncode}:\n"
                f"{log.read_text(errors='replace')[-4000:]}"
            )
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(
        f"app did not answer at {url} within {timeout}s:\n{log.read_text(errors='replace')[-4000:]}"
    )


@pytest.fixture(scope="session")
def tile_server() -> Iterator[str]:
    """Map tiles for the browser tests, from 127.0.0.1 (no network here): a checkerboard
    of two greens, so a drawn map shows its tiles. Yields the URL template."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from server.demo import png_bytes

    tiles = [png_bytes(256, 256, (214, 234, 223)), png_bytes(256, 256, (197, 224, 209))]

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            parts = [p for p in self.path.split("?")[0].split("/") if p]
            try:
                z, x, y = (int(p.removesuffix(".png")) for p in parts[-3:])
            except ValueError:
                self.send_error(404)
                return
            body = tiles[(x + y + z) % 2]
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tiles/{{z}}/{{x}}/{{y}}.png"
    server.shutdown()


@pytest.fixture
def flet_web_app(tmp_path: Path, tile_server: str) -> Iterator[Callable[..., str]]:
    """Factory: ``url = flet_web_app("technician_app", server_url, *extra_args)``; the
    apps draw their maps from the local tile server."""
    procs: list[tuple[subprocess.Popen, object]] = []

    def start(
        module_name: str, server_url: str, *extra_args: str, env: dict[str, str] | None = None
    ) -> str:
        port = free_port()
        data_dir = tmp_path / f"{module_name}-data-{port}"
        data_dir.mkdir(parents=True, exist_ok=True)
        log_path = tmp_path / f"{module_name}-{port}.log"
        log = log_path.open("w")
        proc_env = {
            **os.environ,
            "FLET_APP_STORAGE_DATA": str(data_dir),
            "DOORSTEP_SERVER_URL": server_url,
            "PYTHONUNBUFFERED": "1",
            "DOORSTEP_MAP_TILES": tile_server,
            **(env or {}),
        }
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                module_name,
                "--web",
                "--port",
                str(port),
                "--server",
                server_url,
                *extra_args,
            ],
            cwd=ROOT,
            env=proc_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        procs.append((proc, log))
        url = f"http://127.0.0.1:{port}/"
        _wait_http(url, proc, log_path, APP_START_TIMEOUT)
        return url

    yield start
    for proc, log in procs:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201
    path = _skip_or_fail_without_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


def enable_semantics(page) -> None:  # noqa: ANN001
    """Flutter web hides its semantics tree behind an 'Enable accessibility' placeholder."""
    placeholder = page.locator("flt-semantics-placeholder")
    placeholder.wait_for(state="attached", timeout=APP_START_TIMEOUT * 1000)
    placeholder.dispatch_event("click")
    page.locator("flt-semantics").first.wait_for(state="attached", timeout=UI_TIMEOUT_MS)


@pytest.fixture
def open_app(browser) -> Iterator[Callable[..., object]]:  # noqa: ANN001
    """Factory: ``page = open_app(url)`` — phone viewport, semantics on; with
    ``geolocation=(lat, lng)`` the browser reports that position and may share it."""
    contexts = []

    def open_(
        url: str,
        *,
        viewport: dict | None = None,
        locale: str = "zh-CN",
        geolocation: tuple[float, float] | None = None,
    ):  # noqa: ANN202
        located: dict = {"permissions": ["camera"]}
        if geolocation is not None:
            located = {
                "geolocation": {"latitude": geolocation[0], "longitude": geolocation[1]},
                "permissions": ["camera", "geolocation"],
            }
        context = browser.new_context(viewport=viewport or PHONE_VIEWPORT, locale=locale, **located)
        context.add_init_script(RECORD_PLAYS)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(UI_TIMEOUT_MS)
        page.goto(url)
        enable_semantics(page)
        return page

    yield open_
    for context in contexts:
        context.close()


# Every sound the page starts, by its source: ``window.doorstepPlays`` (what rang).
RECORD_PLAYS = """(() => {
    window.doorstepPlays = [];
    const play = HTMLMediaElement.prototype.play;
    HTMLMediaElement.prototype.play = function () {
        window.doorstepPlays.push(this.currentSrc || this.src || '');
        return play.apply(this, arguments);
    };
})();"""


DESKTOP_VIEWPORT = {"width": 1280, "height": 800}


def shot(
    page,
    name: str,
    expect: str,
    *,
    gone: str | None = None,  # noqa: ANN001
    timeout: float = UI_TIMEOUT_MS,
    desktop: bool = True,
) -> Path:
    """Screenshot for human review (tests/e2e/out/<name>.png), of the screen that shows
    ``expect``: waits for that text (a timer alone sometimes caught the previous
    screen) and, with ``gone``, until the previous screen's text has left (the page
    transition is over), then for two animation frames so the frame carrying it is
    painted."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"{name}.png"
    UI.wait_text(page, expect, timeout=timeout)
    if gone is not None:
        UI.wait_text(page, gone, timeout=timeout, present=False)
    _painted_shot(page, path)
    # README: the desktop layout too (not where a resize would move what the test taps next)
    if desktop and os.environ.get("DOORSTEP_DESKTOP_SCREENSHOTS"):
        phone = page.viewport_size
        bars = page.evaluate(_BARS)
        page.set_viewport_size(DESKTOP_VIEWPORT)
        _laid_out(page, wide=True)
        UI.wait_text(page, expect, timeout=timeout)
        _painted_shot(page, OUT_DIR / f"{name}_desktop.png")
        page.set_viewport_size(phone)
        _laid_out(page, wide=False)
        _bars_back(page, bars)
        UI.wait_text(page, expect, timeout=timeout)
        painted(page)
    return path


# The nodes in the fixed bars (the app bar's band at the top, a bottom bar's), by name and
# place: the phone layout's before the desktop shot. Back at the phone's width, the tabs
# of the desktop's top bar may still stand in the accessibility tree for a moment after the
# pixels show the bottom bar, and a tap on one of them is lost.
_BARS = """() => {
  const vh = innerHeight;
  return Array.from(document.querySelectorAll('flt-semantics'))
      .map(el => [(el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 20),
                  el.getBoundingClientRect()])
      .filter(([, r]) => r.width > 0 && r.height > 0 && (r.bottom <= 56 || r.top >= vh - 90))
      .map(([name, r]) => `${name}@${Math.round(r.x)},${Math.round(r.y)}`)
      .sort().join('|');
}"""


def _bars_back(page, bars: str) -> None:  # noqa: ANN001
    """Wait (bounded) until the fixed bars stand as they did before the desktop shot; a
    screen whose bars changed meanwhile (a message came and went) goes on after the bound."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(f"() => ({_BARS})() === {json.dumps(bars)}", timeout=10_000)
    except PlaywrightTimeout:
        print("screenshot: the phone layout's bars did not come back as they were")


# Whether the app's layout for the window's width has arrived. Flutter reflows the old
# layout at once; the app's own (a centred column on a desktop, the full width on a
# phone) comes from the app's process a moment later. Wide: every node of the body (below
# the app bar, above a bottom bar) starts well inside the window. Narrow: no node is wider
# than the window (the desktop column no longer overflows it).
_LAID_OUT = """([wide]) => {
  const vw = innerWidth, vh = innerHeight;
  const boxes = Array.from(document.querySelectorAll('flt-semantics'))
      .map(el => el.getBoundingClientRect()).filter(r => r.width > 0 && r.height > 0);
  if (!wide) return boxes.every(r => r.width <= vw + 1);
  const body = boxes.filter(r => r.top >= 56 && r.bottom <= vh - 90 && r.width < vw - 1);
  return body.length > 0 && Math.min(...body.map(r => r.left)) >= 100;
}"""


def _laid_out(page, *, wide: bool) -> None:  # noqa: ANN001
    """Wait (bounded) for the layout of the new width; a screen the rule does not fit
    is shot as it is after the bound, never failed: the shots are for review."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(_LAID_OUT, arg=[wide], timeout=10_000)
    except PlaywrightTimeout:
        print(f"screenshot: the {'desktop' if wide else 'phone'} layout was not recognised")


def _painted_shot(page, path: Path) -> None:  # noqa: ANN001
    """The screen once it holds still: two frames in a row alike (a page transition,
    images decoded after the text, map tiles arriving), or after a bound (a blinking
    cursor, a countdown never hold still for long)."""
    painted(page)
    current = page.screenshot()
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        painted(page)
        previous, current = current, page.screenshot()
        if current == previous:
            break
    path.write_bytes(current)


# finders of one semantics node: by the app's key, or by its own accessible name
@pytest.fixture
def ui() -> UI:
    return UI()


@pytest.fixture
def screenshot() -> Callable[..., Path]:
    return shot
