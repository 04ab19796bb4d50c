"""The customer app's layouts by window width, and the tab each screen belongs to."""

from __future__ import annotations

import pytest

from client.layout import CONTENT_WIDTH, TASK_WIDTH, current_tab, layout_for


@pytest.mark.parametrize(
    ("width", "layout"),
    [(None, "phone"), (412, "phone"), (599.9, "phone"), (600, "tablet"), (820, "tablet"),
     (1023, "tablet"), (1024, "desktop"), (1280, "desktop"), (2560, "desktop")],
)  # fmt: skip
def test_each_width_has_its_layout(width: float | None, layout: str) -> None:
    assert layout_for(width) == layout


def test_wide_layouts_hold_the_content_to_a_readable_measure() -> None:
    assert CONTENT_WIDTH["phone"] is None
    assert 600 <= CONTENT_WIDTH["tablet"] < CONTENT_WIDTH["desktop"] <= 960


@pytest.mark.parametrize(
    ("route", "tab"),
    [("/", "home"), ("/search", "home"), ("/service/svc_x", "home"), ("/book/svc_x", "home"),
     ("/technician/t1", "home"), ("/order/ord_1", "me"), ("/me", "me"), ("/support", "support"),
     ("/inbox", "me"), ("/wallet", "me"), ("/mall", "me"), ("/family", "me"),
     ("/login", None)],
)  # fmt: skip
def test_each_screen_belongs_to_a_tab(route: str, tab: str | None) -> None:
    assert current_tab(route) == tab


def test_the_technician_app_keeps_one_task_column_on_wide_screens(tmp_path) -> None:  # noqa: ANN001
    from technician_app.state import TechnicianState

    state = TechnicianState("http://127.0.0.1:9", tmp_path, use_feed=False)
    seen: list[int] = []
    state.subscribe(lambda: seen.append(1))
    state.set_screen_width(412)
    assert seen == []  # still a phone: nothing to redraw
    state.set_screen_width(1280)
    assert seen == [1] and layout_for(state.session.screen_width) == "desktop"
    state.set_screen_width(1300)
    assert seen == [1]
    assert TASK_WIDTH <= CONTENT_WIDTH["desktop"]
