"""Invariants of the customer app's pure helpers (no server, no UI)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from client import geo
from client.api import DoorstepClient
from client.models import ServiceRead, SlotRead
from customer_app.i18n import money
from customer_app.model import FALLBACK_LEAD, parse_slot, service_minutes
from customer_app.state import CITY_TZ, CustomerState, estimate_eta_minutes
from customer_app.state.family import cap_fen

OFFLINE_CLIENT = DoorstepClient("http://127.0.0.1:9")  # never called: slots are computed locally
WINDOW = ServiceRead.model_validate(
    {
        **dict.fromkeys(("id", "code", "category_id", "top_category_id", "materials"), "x"),
        **dict.fromkeys(("name_zh", "name_en", "description_zh", "description_en"), "擦窗"),
        **dict.fromkeys(("acceptance_criteria_zh", "acceptance_criteria_en"), ""),
        **dict.fromkeys(("keywords", "skills", "certificates", "tags", "addons"), []),
        **dict.fromkeys(("rate_card", "sop"), []),
        "duration_minutes": 15,
        "pricing": {"unit": "item", "min_units": 4},
    }
)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_money_shows_exact_fen(fen: int) -> None:
    text = money(fen)
    sign = -1 if text.startswith("-") else 1
    yuan, cents = text.lstrip("-").removeprefix("¥").split(".")
    assert sign * (int(yuan) * 100 + int(cents)) == fen and len(cents) == 2


@given(st.floats(min_value=0, max_value=500, allow_nan=False))
def test_eta_grows_with_distance_and_is_at_least_a_minute(km: float) -> None:
    assert estimate_eta_minutes(km) >= 1
    assert estimate_eta_minutes(km + 1) >= estimate_eta_minutes(km)


@given(
    st.floats(min_value=-80, max_value=80),
    st.floats(min_value=-179, max_value=179),
    st.floats(min_value=-80, max_value=80),
    st.floats(min_value=-179, max_value=179),
)
def test_distance_is_symmetric_and_never_negative(a: float, b: float, c: float, d: float) -> None:
    assert geo.haversine_m(a, b, c, d) >= 0
    assert abs(geo.haversine_m(a, b, c, d) - geo.haversine_m(c, d, a, b)) < 1e-3


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
    st.integers(0, 6),
)
def test_fallback_slots_never_offer_a_start_too_soon(now_naive: datetime, offset: int) -> None:
    now = now_naive.replace(tzinfo=UTC)
    state = CustomerState(OFFLINE_CLIENT, now=lambda: now)
    state.catalog.service = WINDOW
    day = state.bookable_days()[offset]
    slots = state._fallback_slots(day)
    assert [s.start for s in slots] == sorted(s.start for s in slots)
    for slot in slots:
        assert slot.start.astimezone(CITY_TZ).date() == day
        assert slot.available == (slot.start >= now + FALLBACK_LEAD)
        assert slot.end - slot.start == timedelta(minutes=service_minutes(WINDOW))
    # the first bookable day always has a slot left
    first = state._fallback_slots(state.bookable_days()[0])
    assert any(s.available for s in first)


def test_server_slots_are_read_with_their_capacity() -> None:
    def slot(status: str, available: int) -> SlotRead:
        return SlotRead(
            start=datetime(2026, 6, 2, 2, tzinfo=UTC),
            end=datetime(2026, 6, 2, 4, tzinfo=UTC),
            available=available,
            status=status,
        )

    full, left, past = parse_slot(slot("full", 0)), parse_slot(slot("open", 3)), slot("past", 0)
    assert not full.available and full.remaining == 0
    assert left.available and left.remaining == 3
    assert not parse_slot(past).available and parse_slot(past).remaining is None


def test_ratings_read_rounded_down_to_a_tenth() -> None:
    from client.i18n import rating_text

    assert [rating_text(x) for x in (4.75, 4.8, 4.7999999, 5.0, 3.04, 4.96)] == [
        "4.7",
        "4.8",
        "4.8",
        "5.0",
        "3.0",
        "4.9",
    ]


@pytest.mark.parametrize(("typed", "fen"), [("", None), (" 50 ", 5000), ("300.5", 30050), ("0", 0)])
def test_family_cap_typed_in_yuan(typed: str, fen: int | None) -> None:
    assert cap_fen(typed) == fen


@pytest.mark.parametrize("typed", ["abc", "-1"])
def test_a_bad_family_cap_is_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        cap_fen(typed)
