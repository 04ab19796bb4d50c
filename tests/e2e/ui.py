"""How the browser tests act in a Flet web app: taps, typing and waits through Flutter's
semantics tree, as a user's finger and eyes would (``ui`` fixture of ``conftest``)."""

from __future__ import annotations

import time

UI_TIMEOUT_MS = 30_000
FRAME_WAIT_MS = 5_000


def painted(page) -> None:  # noqa: ANN001
    """Two animation frames drawn since now: what was just changed is on screen. Bounded,
    as every wait here: a page that draws no frame within the bound (a renderer busy with
    something else) is taken as it stands, and the next wait for a text decides."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _frame in range(2):
        try:
            page.wait_for_function("() => true", polling="raf", timeout=FRAME_WAIT_MS)
        except PlaywrightTimeout:
            return


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
_HOLDS = "(text) => !!document.activeElement && document.activeElement.value === text"
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
        again while the button is still there (tapping the open screen's own tab again
        changes nothing). Once the button is gone the tap was taken: the screen it opened
        is given the whole wait to show ``expect``."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        self.tap(page, name, exact=exact)
        for _attempt in range(3):
            try:
                self.wait_text(page, expect, timeout=5_000)
                return
            except PlaywrightTimeout:
                again = self.button(page, name, exact=exact).first
                if not again.is_visible():
                    break
                again.click()
                self.taps += 1
        self.wait_text(page, expect)

    def sign_in_to_me(self, page, user: dict) -> None:  # noqa: ANN001
        """The customer app: 登录 with a registered user's phone and password, then 我的."""
        self.tap(page, "登录", exact=True)
        self.fill(page, "手机号", user["phone"])
        self.fill(page, "密码", user["password"])
        self.press(page, "Enter")
        self.tap(page, "我的", exact=True)

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
            painted(page)
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
        """Replace the focused field's text with ``text``: once the app has drawn the
        focus (its editing state is in the field), select all, delete, type, and wait
        for the field to hold ``text`` (False when it does not within the bound)."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        painted(page)
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        page.keyboard.type(text, delay=20)
        try:
            page.wait_for_function(_HOLDS, arg=text, timeout=FRAME_WAIT_MS)
        except PlaywrightTimeout:
            return False
        return True

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
