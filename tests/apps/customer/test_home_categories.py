"""Home's category icons: one tap lists a top category's services, the filters still
apply, and a search or going home leaves the category."""

from __future__ import annotations

import flet as ft

from customer_app.state import CustomerState
from customer_app.views.home import category_icon
from tests.apps.conftest import LiveServer


async def test_a_category_lists_its_services_under_the_filters(
    state: CustomerState, server: LiveServer
) -> None:
    await state.start()
    cleaning = next(c for c in state.catalog.categories if c.name_zh == "保洁")
    await state.browse_category(cleaning.id)
    assert state.catalog.category is cleaning and state.catalog.results
    assert {s.top_category_id for s in state.catalog.results} == {cleaning.id}
    everything = len(state.catalog.results)
    await state.set_filter("duration", "short")
    assert state.catalog.results and len(state.catalog.results) < everything
    assert {s.top_category_id for s in state.catalog.results} == {cleaning.id}
    await state.search("空调")
    assert state.catalog.category is None
    await state.go_home()
    assert state.catalog.results is None and state.catalog.category is None


async def test_every_category_of_the_catalog_has_its_icon(
    state: CustomerState, server: LiveServer
) -> None:
    await state.start()
    for c in state.catalog.categories:  # every icon the catalog names is one Flet knows
        assert c.icon and getattr(ft.Icons, c.icon.upper(), None) == category_icon(c.icon)
    assert category_icon("cleaning_services") == ft.Icons.CLEANING_SERVICES
    assert category_icon("not_an_icon") == ft.Icons.HOME_REPAIR_SERVICE
    assert category_icon(None) == ft.Icons.HOME_REPAIR_SERVICE
