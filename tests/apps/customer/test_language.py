"""The customer's language: every text key the app's source asks for is in its table in
both languages; statuses, timeline events and price lines have words in both; and a
customer who chose English reads no Chinese of the app's own on the screens (only names
the server gives in Chinese alone: places, people)."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import UTC, datetime
from string import Formatter

import flet as ft

from client.api import DoorstepClient
from client.models import OrderEventRead, QuoteLineRead, SopStepState
from customer_app.i18n import (
    DEFAULT_LANG,
    LANGS,
    TEXTS,
    discount_text,
    event_label,
    line_label,
    membership_name,
    status_label,
    t,
)
from customer_app.state import CustomerState
from customer_app.views.book import book_view
from customer_app.views.home import home_view
from customer_app.views.me import me_view
from customer_app.views.order import order_view
from customer_app.views.order_timeline import timeline_section
from customer_app.views.service import service_view, technician_view
from server.core.events import Status
from tests.apps.conftest import LiveServer
from tests.apps.customer.conftest import HOME, signed_in
from tests.apps.customer.test_order_page_and_slots import customer_read
from tests.apps.text_keys import keys_missing_a_language, used_text_keys

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def test_every_key_the_app_uses_is_in_the_table_in_both_languages() -> None:
    used = used_text_keys("customer_app")
    assert len(used) > 150  # the walk really finds the screens' texts
    assert keys_missing_a_language(used, TEXTS, LANGS) == {}


def test_every_entry_is_complete_and_renders_with_the_values_a_screen_passes() -> None:
    assert DEFAULT_LANG == "zh"
    for key, entry in TEXTS.items():
        assert all(entry.get(lang) for lang in LANGS), key
        names = {f for lang in LANGS for _, f, _, _ in Formatter().parse(entry[lang]) if f}
        for lang in LANGS:
            assert "{" not in t(lang, key, **dict.fromkeys(names, "x")), key
        if key.startswith(("status.", "event.", "line.", "weekday.", "member.", "dim_")):
            assert not CJK.search(t("en", key, **dict.fromkeys(names, "x"))), key


def test_statuses_and_events_read_in_both_languages() -> None:
    for status in Status:
        assert status_label("zh", status.value) != status.value
        assert not CJK.search(status_label("en", status.value)), status
    assert status_label("zh", "EN_ROUTE") == "师傅已出发"
    assert status_label("en", "EN_ROUTE") == "On the way"
    assert status_label("en", "ACCEPTED") == "Accepted"  # from the words both apps share
    step = {"title": {"zh": "拍门牌", "en": "Door photo"}}
    assert event_label("zh", "order.sop_step_done", step) == "完成步骤：拍门牌"
    assert event_label("en", "order.sop_step_done", step) == "Step done: Door photo"
    assert event_label("en", "order.no_such_event") == "Order updated"
    assert (
        t("zh", "eta", name="李师傅", km="1.2", minutes=15) == "李师傅距您1.2公里，预计15分钟到达"
    )


def test_price_lines_membership_and_discounts_in_english() -> None:
    def line(code: str, label: str, detail: dict[str, object]) -> QuoteLineRead:
        return QuoteLineRead(code=code, label=label, amount=100, detail=detail)

    names = {"sofa_cover": "Sofa cover", "large_pane": "Floor-to-ceiling pane"}
    lines = [
        line("base", "基础服务费 3小时", {"unit": "hour", "units": 3, "unit_price": 5000}),
        line("area_surcharge", "超面积 20㎡", {"area_m2": 100, "band_m2": 80, "steps": 2}),
        line("addon:sofa_cover", "沙发套", {}),
        line("peak:spring", "春节 ×1.5", {"multiplier_bp": 15000}),
        line("night_surcharge", "夜间服务 +20%", {"bp": 2000}),
        line("traffic_subsidy", "交通补贴(服务者距离超过5公里)", {"distance_m": 6000}),
        line("membership:gold", "金卡会员 9折", {"discount_bp": 9000}),
        line("coupon:fixed", "新客首单立减50元", {"coupon_id": "c"}),
        line("points", "积分抵扣 300分", {"points": 300}),
        line("service_card", "季度保洁卡", {"card_id": "k", "units": 1}),
        line("extra:large_pane", "落地窗 ×2", {"code": "large_pane", "quantity": 2}),
    ]
    english = [line_label("en", x, names) for x in lines]
    assert english == [
        "Service, 3 h",
        "Extra area, 20 m²",
        "Sofa cover",
        "Peak time ×1.5",
        "Night service +20%",
        "Travel allowance",
        "Gold member 10% off",
        "Money-off coupon",
        "300 points used",
        "Service card",
        "Floor-to-ceiling pane ×2",
    ]
    # Chinese keeps the server's own words
    assert [line_label("zh", x, names) for x in lines] == [x.label for x in lines]
    assert discount_text("zh", 8500) == "8.5折" and discount_text("en", 8500) == "15% off"
    assert membership_name("en", "platinum", "铂金会员") == "Member"
    assert membership_name("zh", "platinum", "铂金会员") == "铂金会员"


def test_a_done_step_is_named_in_the_customers_language() -> None:
    """The server's event names the step in Chinese; the order's checklist in both."""
    state = CustomerState(DoorstepClient("http://127.0.0.1:9"))  # never called
    step = SopStepState(no=1, title_zh="拍门牌", title_en="Door number photo", photo=True)
    state.visit.order = customer_read("IN_SERVICE").model_copy(update={"sop": [step]})
    at = datetime(2026, 6, 2, 2, 30, tzinfo=UTC)
    state.visit.events = [
        OrderEventRead(
            order_id="ord_test",
            seq=5,
            type="order.sop_step_done",
            actor_id=None,
            actor_role="technician",
            occurred_at=at,
            received_at=at,
            payload={"step_no": 1, "title": "拍门牌"},
        )
    ]
    state.set_lang("en")
    assert "Step done: Door number photo" in _strings(timeline_section(state))
    state.set_lang("zh")
    assert "完成步骤：拍门牌" in _strings(timeline_section(state))


def _strings(root: object) -> list[str]:
    """Every text a screen's tree holds: words, labels, tooltips, hints (no page needed)."""
    out: list[str] = []
    todo, seen = [root], set()
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        names = [f.name for f in fields(node)] if isinstance(node, ft.BaseControl) else []
        for name in names:
            if name.startswith("_") or name in ("parent", "page"):
                continue
            value = getattr(node, name, None)
            if isinstance(value, str):
                out.append(value)
            elif isinstance(value, ft.BaseControl):
                todo.append(value)
            elif isinstance(value, list):
                todo.extend(v for v in value if isinstance(v, ft.BaseControl))
                out.extend(v for v in value if isinstance(v, str))
    return out


def _chinese_left(view: object, *names: str) -> list[str]:
    """The screen's texts that still hold Chinese once ``names`` (the server's own names
    of places and people) are taken out."""
    left = []
    for text in _strings(view):
        for name in names:
            text = text.replace(name, "")
        if CJK.search(text):
            left.append(text)
    return left


async def test_in_english_the_screens_show_no_chinese_of_their_own(
    state: CustomerState, server: LiveServer
) -> None:
    await signed_in(state, server, "Ms Zhang")
    await state.load_home()
    assert len(_chinese_left(home_view(state))) > 20  # the walk reaches the screen's words
    state.set_lang("en")
    places = (HOME.text, HOME.label or "", HOME.district or "")
    chinese = t("en", "lang.zh")  # the switch back names Chinese in Chinese
    assert _chinese_left(home_view(state), chinese, *places) == []
    await state.open_service("svc_window_cleaning")
    assert _chinese_left(service_view(state)) == []
    tech = server.ready_technician("Li Wei", skills=("cleaning", "housekeeping"))
    await state.open_technician(tech["user"]["id"])
    shown = _strings(technician_view(state))
    assert {"Cleaning", "Housekeeping"} <= set(shown), shown  # skills by name, not code
    assert any("Health certificate" in text for text in shown), shown
    assert _chinese_left(technician_view(state)) == []

    await state.begin_booking("svc_window_cleaning")
    state.choose_slot(next(s for s in state.booking.slots if s.available))
    assert await state.request_quote() is not None, state.session.error
    assert {line.code for line in state.booking.quote.lines} >= {"base"}
    assert _chinese_left(book_view(state), *places) == []

    assert await state.place_order() is not None, state.session.error
    assert await state.approve_sandbox_payment(), state.session.error
    assert state.visit.events  # the timeline has its lines
    assert _chinese_left(order_view(state), *places) == []

    await state.load_me()
    # the language menu is named in both languages, for whoever cannot read the one shown
    assert _chinese_left(me_view(state), t("en", "language"), chinese, *places) == []
