"""The search box against the live server: the server's relevance order is the order
shown, and a search the platform has nothing for says so in both languages."""

from __future__ import annotations

from customer_app.state import CustomerState
from tests.apps.conftest import LiveServer


async def test_search_shows_the_servers_order(state: CustomerState, server: LiveServer) -> None:
    await state.start()
    await state.search("照顾小孩")
    assert state.catalog.results, state.session.error
    shown = [s.id for s in state.catalog.results]
    ranked = [s.id for s in await state.client.services(q="照顾小孩")]
    assert shown == ranked
    childcare = next(c for c in state.catalog.categories if c.name_zh == "育儿")
    assert state.catalog.results[0].top_category_id == childcare.id
    assert all(s.top_category_id != "cat_elder_care" for s in state.catalog.results)

    await state.search("空调清洗")
    assert state.catalog.results[0].id == "svc_ac_wall_cleaning"
    assert "svc_window_cleaning" not in [s.id for s in state.catalog.results]


async def test_a_search_with_no_service_says_so(state: CustomerState, server: LiveServer) -> None:
    await state.start()
    await state.search("除甲醛")
    assert state.catalog.results == [] and state.session.error is None
    assert state.no_results_text() == "暂无与“除甲醛”相关的服务，换个说法试试，或从上面的分类里找找"
    state.set_lang("en")
    assert state.no_results_text() == (
        "We offer no service for “除甲醛”. Try other words, or browse the categories above"
    )
    await state.go_home()
    assert state.catalog.results is None
