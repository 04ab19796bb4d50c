"""The recommendation rules: each service once under its strongest reason, seasons by the
calendar, neighbours counted only from a few orders up, best sellers for a newcomer."""

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from server.orders.recommend import MIN_NEIGHBOURS, Booked, Season, pick, seasons_on
from server.orders.recommendations import seasons

PLUM = Season("plum", "梅雨季", "Plum rains", (6, 10), (7, 20), ("dis", "mite"), "潮湿", "Damp")
WINTER = Season("winter", "冬季", "Winter", (12, 1), (1, 4), ("heater",), "冷", "Cold")
IDS = {"dis": "svc_dis", "mite": "svc_mite", "heater": "svc_heater", "ac": "svc_ac"}
ALL = frozenset(IDS.values()) | {"svc_clean", "svc_window"}


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 9, tzinfo=UTC)


def test_seasons_by_the_calendar_including_one_that_wraps_the_new_year() -> None:
    table = (PLUM, WINTER)
    assert seasons_on(date(2026, 6, 10), table) == [PLUM]
    assert seasons_on(date(2026, 7, 21), table) == []
    assert seasons_on(date(2026, 12, 31), table) == [WINTER]
    assert seasons_on(date(2027, 1, 4), table) == [WINTER]
    assert seasons_on(date(2027, 1, 5), table) == []


def test_the_shipped_table_names_a_season_for_the_plum_rains_with_damp_control() -> None:
    (plum,) = [s for s in seasons() if s.code == "plum_rain"]
    assert plum.holds(date(2026, 6, 20)) and plum.services[0] == "disinfection_service"


def test_history_first_then_season_then_neighbours_each_service_once() -> None:
    history = [
        Booked("svc_clean", at(3, 1)),
        Booked("svc_mite", at(5, 2)),
        Booked("svc_clean", at(5, 20)),
    ]
    picks = pick(
        today=date(2026, 6, 20),
        history=history,
        nearby={"svc_dis": 9, "svc_window": MIN_NEIGHBOURS, "svc_ac": MIN_NEIGHBOURS - 1},
        seasons=(PLUM, WINTER),
        popular=["svc_window"],
        ids_by_code=IDS,
        bookable=ALL,
    )
    assert [p.service_id for p in picks["repeat"]] == ["svc_clean", "svc_mite"]
    assert picks["repeat"][0].reason_zh == "您预约过2次 · 上次5月20日"
    assert picks["repeat"][0].reason_en == "Booked 2 times, last on 20 May"
    # the mite removal was booked before: it shows under "again", not the season
    assert [p.service_id for p in picks["seasonal"]] == ["svc_dis"]
    assert picks["seasonal"][0].reason_zh == "梅雨季 · 潮湿"
    # the disinfection shows once (seasonal); two neighbours' orders are not shown
    assert [p.service_id for p in picks["nearby"]] == ["svc_window"]
    assert picks["nearby"][0].reason_zh == f"附近3公里内近30天有{MIN_NEIGHBOURS}单"
    assert picks["popular"] == []  # he has history: no best sellers


def test_a_newcomer_far_from_anyone_gets_the_season_and_the_best_sellers() -> None:
    picks = pick(
        today=date(2026, 8, 1),
        history=[],
        nearby={},
        seasons=(PLUM, WINTER),
        popular=["svc_gone", "svc_window", "svc_clean"],
        ids_by_code=IDS,
        bookable=ALL,
    )
    assert picks["seasonal"] == [] and picks["repeat"] == [] and picks["nearby"] == []
    assert [p.service_id for p in picks["popular"]] == ["svc_window", "svc_clean"]


@given(
    st.lists(st.sampled_from(sorted(ALL | {"svc_gone"})), max_size=12),
    st.dictionaries(st.sampled_from(sorted(ALL)), st.integers(0, 20)),
    st.dates(date(2026, 1, 1), date(2027, 12, 31)),
)
def test_every_pick_is_bookable_shown_once_and_groups_stay_short(
    booked: list[str], nearby: dict[str, int], today: date
) -> None:
    picks = pick(
        today=today,
        history=[Booked(sid, at(1, 1 + k % 28)) for k, sid in enumerate(booked)],
        nearby=nearby,
        seasons=(PLUM, WINTER),
        popular=sorted(ALL),
        ids_by_code=IDS,
        bookable=ALL,
        per_group=2,
    )
    shown = [p.service_id for group in picks.values() for p in group]
    assert len(shown) == len(set(shown)) and set(shown) <= ALL
    assert all(len(group) <= 2 for group in picks.values())
    assert all(nearby.get(p.service_id, 0) >= MIN_NEIGHBOURS for p in picks["nearby"])
