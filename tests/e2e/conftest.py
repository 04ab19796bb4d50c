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
* ``ui`` — small helpers: ``ui.tap(page, name)``, ``ui.fill(page, label, text)``,
  ``ui.wait_text(page, text)``.

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
UI_TIMEOUT_MS = 30_000


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
_PAINTED = """() => new Promise(done =>
    requestAnimationFrame(() => requestAnimationFrame(() => done(true))))"""


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
        page.evaluate(_PAINTED)
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
    page.evaluate(_PAINTED)
    current = page.screenshot()
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        page.evaluate(_PAINTED)
        previous, current = current, page.screenshot()
        if current == previous:
            break
    path.write_bytes(current)


# finders of one semantics node: by the app's key, or by its own accessible name
_BY_LABEL = """(name) => Array.from(document.querySelectorAll('flt-semantics')).find(
    el => (el.getAttribute('aria-label') || el.textContent || '').trim() === name)"""
# with accessibility on, a click on a map's node is a screen reader's "activate" (a tap at
# the map's centre, or nothing): the accessibility nodes over a point are made to let the
# pointer through, so the click reaches the map where a finger's tap would
_POINTER_THROUGH = """([x, y]) => {
  for (let i = 0; i < 50; i++) {
    const el = document.elementFromPoint(x, y);
    const node = el && el.closest('flt-semantics');
    if (!node) return;
    node.style.pointerEvents = 'none';
  }
}"""
_SCROLL = """(dy) => {
  const scrollable = Array.from(document.querySelectorAll('flt-semantics')).find(el => {
    const style = getComputedStyle(el);
    return ['scroll', 'auto'].includes(style.overflowY) && el.scrollHeight > el.clientHeight;
  });
  if (!scrollable) return false;
  const before = scrollable.scrollTop;
  scrollable.scrollTop += dy;
  return scrollable.scrollTop !== before;
}"""
_TYPING = (
    "() => document.activeElement && ['INPUT', 'TEXTAREA'].includes(document.activeElement.tagName)"
)


class UI:
    """Find-by-role helpers over Flutter's semantics tree, counting the user's taps
    (``taps``: a button, a chip, a field focused; typing and keys are not taps)."""

    def __init__(self) -> None:
        self.taps = 0

    @staticmethod
    def button(page, name: str, *, exact: bool = False):  # noqa: ANN001, ANN205
        return page.get_by_role("button", name=name, exact=exact)

    def tap(self, page, name: str, *, exact: bool = False, timeout: float = UI_TIMEOUT_MS) -> None:  # noqa: ANN001
        target = page.get_by_role("button", name=name, exact=exact).first
        target.wait_for(timeout=timeout)
        target.click()
        self.taps += 1

    def tap_to(self, page, name: str, expect: str, *, exact: bool = False) -> None:  # noqa: ANN001
        """Tap a button that opens a screen until the screen shows ``expect``: a tap that
        lands while the screen re-renders (a push just arrived) is lost, so it is tapped
        again (tapping the open screen's own tab again changes nothing)."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        for _attempt in range(3):
            self.tap(page, name, exact=exact)
            try:
                self.wait_text(page, expect, timeout=5_000)
                return
            except PlaywrightTimeout:
                continue
        self.tap(page, name, exact=exact)
        self.wait_text(page, expect)

    def tap_id(self, page, identifier: str) -> None:  # noqa: ANN001
        """Tap the control the app keyed ``identifier`` (when its text is not unique)."""
        target = page.locator(f'flt-semantics[flt-semantics-identifier="{identifier}"]').first
        target.wait_for()
        target.click()
        self.taps += 1

    def tap_map(self, page, label: str, fx: float, fy: float) -> None:  # noqa: ANN001
        """Tap a map where a finger would, at a fraction of the box of the node labelled
        ``label`` (by its label: Flutter web does not always write a re-rendered node's
        identifier into the page)."""
        box = self._in_view(page, _BY_LABEL, label)
        self._finger(page, box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)

    def tap_beside(self, page, label: str, dx: float, dy: float) -> None:  # noqa: ANN001
        """Tap ``dx, dy`` pixels from the centre of the node labelled ``label`` (a map
        pin: the map around it takes the tap)."""
        box = self._in_view(page, _BY_LABEL, label)
        self._finger(page, box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy)

    def _finger(self, page, x: float, y: float) -> None:  # noqa: ANN001
        page.evaluate(_POINTER_THROUGH, [x, y])
        page.mouse.click(x, y)
        self.taps += 1

    def scroll_to(self, page, label: str) -> None:  # noqa: ANN001
        """Scroll until the node named ``label`` is on screen (the bottom of a long form)."""
        self._in_view(page, _BY_LABEL, label)

    @staticmethod
    def _in_view(page, finder: str, arg: str) -> dict:  # noqa: ANN001
        """The box of the node ``finder`` finds once it is on screen, scrolling to it. A
        node far off screen is not in the tree at all: then the screen is scrolled up,
        and down from the top when the top is reached, until it is."""
        height = page.viewport_size["height"]
        deadline = time.monotonic() + UI_TIMEOUT_MS / 1000
        step = -200
        while time.monotonic() < deadline:
            box = page.evaluate(
                f"(arg) => {{ const el = ({finder})(arg); if (!el) return null;"
                " const r = el.getBoundingClientRect();"
                " return {x: r.x, y: r.y, width: r.width, height: r.height}; }",
                arg,
            )
            if box is not None:
                if box["y"] >= 0 and box["y"] + box["height"] <= height:
                    return box
                step = 200 if box["y"] > 0 else -200
            # the screen's scrollable node is scrolled as a screen reader would (a mouse
            # wheel over a map would zoom the map instead)
            moved = page.evaluate(_SCROLL, step)
            if not moved and box is None:
                step = -step  # an end of the screen reached: look the other way
            page.evaluate(_PAINTED)
        raise AssertionError(f"{arg} never came into view")

    def check(self, page, name: object) -> None:  # noqa: ANN001
        """Tap the first enabled checkbox-like chip whose name matches (text or regex)."""
        page.get_by_role("checkbox", name=name, disabled=False).first.click()
        self.taps += 1

    def fill(self, page, label: str, text: str) -> None:  # noqa: ANN001
        """Focus the field (one tap), wait for Flutter's hidden editing element, type, verify.

        A tap that lands while the screen re-renders (a notice appearing, a button turning
        busy) focuses nothing: then the field is found and tapped again."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        self.taps += 1
        for _attempt in range(5):
            box = page.get_by_role("textbox", name=label).first
            box.wait_for()
            box.click()
            try:
                page.wait_for_function(_TYPING, timeout=5_000)
            except PlaywrightTimeout:
                continue
            if self._typed(page, text):
                return
        raise AssertionError(f"could not type into {label!r}")

    def type_here(self, page, text: str) -> None:  # noqa: ANN001
        """Type into the field that already has the keyboard (no tap): a field the app
        focused for the user."""
        page.wait_for_function(_TYPING, timeout=UI_TIMEOUT_MS)
        if not self._typed(page, text):
            raise AssertionError(f"the focused field did not take {text!r}")

    @staticmethod
    def press(page, key: str) -> None:  # noqa: ANN001
        page.keyboard.press(key)

    @staticmethod
    def _typed(page, text: str) -> bool:  # noqa: ANN001
        page.wait_for_timeout(150)
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        page.keyboard.type(text, delay=20)
        page.wait_for_timeout(150)
        return page.evaluate("() => document.activeElement && document.activeElement.value") == text

    @staticmethod
    def wait_text(page, text: str, *, timeout: float = UI_TIMEOUT_MS, present: bool = True) -> None:  # noqa: ANN001
        """Wait until some semantics node's accessible name or text contains ``text``
        (``present=False``: until none does)."""
        page.wait_for_function(
            """([needle, present]) => Array.from(
                    document.querySelectorAll('flt-semantics, [aria-label], [role]'))
                  .some(el => ((el.getAttribute('aria-label') || '') + ' '
                               + (el.textContent || '')).includes(needle)) === present""",
            arg=[text, present],
            timeout=timeout,
        )


@pytest.fixture
def ui() -> UI:
    return UI()


@pytest.fixture
def screenshot() -> Callable[..., Path]:
    return shot
