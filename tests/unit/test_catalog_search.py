"""Catalog search over the real catalog (assets/catalog.yaml) with no database: the
customers' queries that used to go wrong, as a table, and the segmenter's words."""

from __future__ import annotations

import pytest
import yaml

from server.catalog import search
from server.catalog.models import Category, Service
from server.catalog.service import DEFAULT_CATALOG, catalog_rows

ROWS = list(catalog_rows(yaml.safe_load(DEFAULT_CATALOG.read_text(encoding="utf-8"))))
SERVICES = [r for r in ROWS if isinstance(r, Service)]
CATEGORIES = {r.id: (r.name_zh, r.name_en) for r in ROWS if isinstance(r, Category)}
BY_CODE = {s.code: s for s in SERVICES}


def codes(q: str) -> list[str]:
    return [s.code for s, _ in search.ranked(SERVICES, CATEGORIES, q)]


def top_category(code: str) -> str:
    return BY_CODE[code].top_category_id


# query -> what must come first (a code, or a top category for any of its services),
# and what must not be found at all
CASES = [
    ("照顾小孩", "cat_childcare", {"elder_home_care", "live_in_elder_caregiver"}),
    ("小孩", "cat_childcare", {"elder_home_care"}),
    ("孩子", "cat_childcare", set()),
    ("空调清洗", "ac_wall_cleaning", {"window_cleaning", "drain_unclog", "ac_repair"}),
    ("空调 清洗", "ac_wall_cleaning", {"window_cleaning", "drain_unclog"}),
    ("冷气清洗", "ac_wall_cleaning", {"window_cleaning"}),
    ("AC cleaning", "ac_wall_cleaning", {"window_cleaning"}),
    ("ＡＣ清洗", "ac_wall_cleaning", {"window_cleaning"}),  # full-width letters
    ("air conditioner cleaning", "ac_wall_cleaning", {"window_cleaning"}),
    ("window cleaning", "window_cleaning", {"ac_wall_cleaning"}),
    ("babysitter", "cat_childcare", set()),
    ("kids", "cat_childcare", set()),
    ("修空调", "ac_repair", {"ac_wall_cleaning", "ac_installation"}),
    ("空调不制冷", "ac_repair", set()),
    ("马桶堵了", "toilet_unclog", {"drain_unclog"}),
    ("开锁", "door_unlock", {"small_move"}),
    ("换锁", "lock_cylinder_replacement", set()),
    ("保姆", "cat_nanny", set()),
    ("阿姨", "hourly_housekeeper", set()),  # the catalog calls its 钟点工 阿姨 too
    ("照顾老人", "elder_home_care", {"temporary_babysitting"}),
    ("擦玻璃", "window_cleaning", set()),
    ("新生儿", "newborn_care", set()),
    ("月嫂", "cat_maternity", set()),
    ("住家保姆照顾老人", "live_in_elder_caregiver", {"live_in_nanny"}),
]


@pytest.mark.parametrize(("q", "first", "absent"), CASES)
def test_the_right_service_comes_first(q: str, first: str, absent: set[str]) -> None:
    found = codes(q)
    assert found, q
    if first.startswith("cat_"):
        assert top_category(found[0]) == first, (q, found)
    else:
        assert found[0] == first, (q, found)
    assert not absent & set(found), (q, found)


def test_nothing_is_made_up_for_what_the_platform_does_not_offer() -> None:
    """No service treats formaldehyde: the search says so instead of offering one that
    does something else."""
    assert codes("除甲醛") == []
    assert codes("甲醛") == []
    assert codes("formaldehyde") == []
    assert codes("zzzz") == []


def test_childcare_ranks_above_anything_else_that_mentions_children() -> None:
    found = codes("小孩")
    childcare = [i for i, c in enumerate(found) if top_category(c) == "cat_childcare"]
    others = [i for i, c in enumerate(found) if top_category(c) != "cat_childcare"]
    assert len(childcare) == 4 and max(childcare) < min(others), found


def test_glass_cleaning_is_never_above_air_conditioner_cleaning() -> None:
    for q in ("空调清洗", "空调", "AC cleaning", "清洗空调"):
        found = codes(q)
        assert "ac_wall_cleaning" in found, q
        if "window_cleaning" in found:
            assert found.index("window_cleaning") > found.index("ac_wall_cleaning"), q


def test_more_words_narrow_the_answer() -> None:
    assert set(codes("空调 维修")) < set(codes("空调"))
    assert codes("空调 维修")[0] == "ac_repair"
    assert set(codes("深度 清洁 厨房")) <= set(codes("深度 清洁"))


def test_a_category_filter_ranks_within_it() -> None:
    cleaning = [s for s in SERVICES if s.top_category_id == "cat_appliance_cleaning"]
    found = [s.code for s, _ in search.ranked(cleaning, CATEGORIES, "清洗")]
    assert found and all(BY_CODE[c].top_category_id == "cat_appliance_cleaning" for c in found)


def test_the_catalog_words_teach_the_segmenter() -> None:
    cache = search.document_cache()
    cache.documents(SERVICES, CATEGORIES)
    lexicon = cache.lexicon
    assert lexicon.words("除甲醛") == ["除甲醛"]  # one word, from the synonym table
    assert lexicon.words("育儿嫂") == ["育儿嫂"]  # the catalog's own word
    assert [c.word for c in lexicon.query("空调清洗").concepts] == ["空调", "清洗"]
    assert {"空调", "清洗", "空调清洗"} <= set(lexicon.field(["空调清洗"]).terms)
    assert [c.word for c in lexicon.query("照顾小孩").concepts] == ["照顾", "小孩"]
    assert [c.word for c in lexicon.query("AC  Cleaning!").concepts] == ["ac", "cleaning"]


def test_the_documents_are_built_once() -> None:
    cache = search.document_cache()
    first = cache.documents(SERVICES, CATEGORIES)
    again = cache.documents(SERVICES, CATEGORIES)
    assert all(a is b for a, b in zip(first, again, strict=True))
