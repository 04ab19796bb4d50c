"""The embedded gazetteer: names, aliases and pinyin find places; nearest names a point."""

from __future__ import annotations

from server.geo import gazetteer
from server.geo.coords import haversine_m

G = gazetteer.load()


def names(q: str, **kw) -> list[str]:  # noqa: ANN003
    return [e.name for e in G.search(q, **kw)]


def test_it_holds_a_couple_of_hundred_places_each_in_the_city() -> None:
    assert len(G.entries) >= 200
    kinds = {e.kind for e in G.entries}
    assert {"compound", "office", "landmark", "station", "road", "district"} <= kinds
    for e in G.entries:  # all within the demo city's reach of central Beijing
        assert haversine_m(39.9219, 116.4435, e.lat, e.lng) < 25_000, e


def test_chinese_pinyin_initials_and_aliases_find_the_same_place() -> None:
    for q in ("三里屯太古里", "sanlituntaiguli", "sltt", "Taikoo Li", "太古里"):
        assert names(q)[0].startswith("三里屯太古里"), q
    assert names("鸟巢")[0] == "国家体育场"
    assert names("niaochao")[0] == "国家体育场"


def test_prefix_matches_come_first_then_the_nearest() -> None:
    found = names("望京")
    assert found[0].startswith("望京")
    near_cbd = names("站", near=(39.9074, 116.4542), limit=3)
    assert near_cbd[0] == "国贸站"


def test_nothing_for_an_empty_or_unknown_query() -> None:
    assert names("") == [] and names("   ") == [] and names("上海外滩") == []


def test_nearest_names_a_point_but_not_far_away() -> None:
    entry = G.nearest(39.9325, 116.4479)
    assert entry is not None and entry.name.startswith("三里屯")
    assert G.nearest(31.2304, 121.4737) is None  # Shanghai: nothing near
