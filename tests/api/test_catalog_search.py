"""Catalog search through the API: relevance order, a category filter, and an honest
empty answer for what the platform does not offer."""

from __future__ import annotations


def codes(api, **params: str) -> list[str]:  # noqa: ANN001
    r = api.get("/catalog/services", params=params)
    assert r.status_code == 200, r.text
    return [s["code"] for s in r.json()]


def test_search_ranks_by_relevance(api) -> None:  # noqa: ANN001
    childcare = codes(api, q="照顾小孩")
    assert childcare and all(not c.startswith("elder") for c in childcare)
    assert childcare[0] in {
        "infant_nanny",
        "day_infant_nanny",
        "school_pickup",
        "temporary_babysitting",
    }
    assert codes(api, q="小孩")[0] in set(childcare)
    ac = codes(api, q="空调清洗")
    assert ac[0] == "ac_wall_cleaning" and "window_cleaning" not in ac
    assert codes(api, q="AC cleaning")[0] == "ac_wall_cleaning"
    assert codes(api, q="除甲醛") == []


def test_search_within_a_category_and_without_words(api) -> None:  # noqa: ANN001
    everything = codes(api)
    assert codes(api, q="   ") == everything  # blank words: the catalog in its order
    found = codes(api, q="清洗", category_id="cat_appliance_cleaning")
    assert found and set(found) <= set(codes(api, category_id="cat_appliance_cleaning"))
    assert codes(api, q="空调", category_id="cat_childcare") == []
    assert api.get("/catalog/services", params={"q": "x" * 101}).status_code == 422
