"""The scoring core of catalog search on hand-made documents: where a word is found
decides its weight, synonyms count less than the word, the most-covering services win,
and the answer does not depend on the order the services came in."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.catalog.ranking import (
    SYNONYM_WEIGHT,
    Concept,
    FieldText,
    Query,
    SearchDoc,
    rank,
)

FIELDS = ("name", "category", "keywords", "tags")
VOCABULARY = ("空调", "清洗", "维修", "玻璃", "小孩", "保姆", "ac", "clean")


def doc(key: str, **fields: list[str]) -> SearchDoc:
    return SearchDoc(
        key=key,
        fields={
            f: FieldText(terms=Counter(fields.get(f, [])), text=" ".join(fields.get(f, [])))
            for f in FIELDS
        },
        name=" ".join(fields.get("name", [])),
        keywords=frozenset(fields.get("keywords", [])),
    )


def concept(word: str, *synonyms: str) -> Concept:
    return Concept(word=word, alternatives={word: 1.0, **dict.fromkeys(synonyms, SYNONYM_WEIGHT)})


def keys(docs: list[SearchDoc], *concepts: Concept, phrase: str = "") -> list[str]:
    return [r.key for r in rank(docs, Query(concepts=list(concepts), phrase=phrase))]


FILLER = [doc(f"other{i}", name=["搬家"], keywords=["搬运"]) for i in range(6)]


def test_name_outranks_category_outranks_keywords_outranks_tags() -> None:
    docs = [
        doc("tags", tags=["空调"]),
        doc("keywords", keywords=["空调"]),
        doc("category", category=["空调"]),
        doc("name", name=["空调"]),
        *FILLER,
    ]
    assert keys(docs, concept("空调")) == ["name", "category", "keywords", "tags"]


def test_a_synonym_counts_less_than_the_word_itself() -> None:
    docs = [doc("synonym", name=["冷气"]), doc("word", name=["空调"]), *FILLER]
    assert keys(docs, concept("空调", "冷气")) == ["word", "synonym"]


def test_services_matching_every_concept_are_the_answer() -> None:
    docs = [
        doc("glass", name=["玻璃", "清洗"]),
        doc("ac_repair", name=["空调", "维修"]),
        doc("ac_cleaning", keywords=["空调", "清洗"]),
        *FILLER,
    ]
    assert keys(docs, concept("空调"), concept("清洗")) == ["ac_cleaning"]


def test_when_none_covers_everything_the_best_partial_matches_are_kept() -> None:
    docs = [doc("a", name=["空调"]), doc("b", keywords=["清洗"]), *FILLER]
    assert keys(docs, concept("空调"), concept("除醛")) == ["a"]
    assert set(keys(docs, concept("空调"), concept("清洗"))) == {"a", "b"}


def test_nothing_matching_gives_nothing() -> None:
    assert keys([doc("a", name=["空调"]), *FILLER], concept("甲醛", "除醛")) == []
    assert keys([doc("a", name=["空调"])]) == []
    assert keys([], concept("空调")) == []


def test_a_rare_word_weighs_more_than_a_common_one() -> None:
    common = [doc(f"c{i}", keywords=["清洗"]) for i in range(5)]
    docs = [doc("rare", keywords=["空调"]), doc("common", keywords=["清洗"]), *common, *FILLER]
    found = rank(docs, Query(concepts=[concept("空调"), concept("清洗")]))
    by_key = {r.key: r.score for r in found}
    assert by_key["rare"] > by_key["common"]


def test_the_typed_phrase_earns_a_bonus() -> None:
    fields = doc("", keywords=["空调清洗"]).fields
    docs = [
        SearchDoc("loose", fields),
        SearchDoc("exact", fields, keywords=frozenset({"空调清洗"})),
        *FILLER,
    ]
    assert keys(docs, concept("空调清洗"), phrase="空调清洗") == ["exact", "loose"]


def test_a_piece_of_a_word_counts_only_for_chinese_or_three_letters() -> None:
    docs = [doc("cleaning", name=["cleaning"]), doc("replacement", name=["replacement"])]
    assert keys(docs, concept("clean")) == ["cleaning"]
    assert keys(docs, concept("ac")) == []
    assert keys([doc("洗衣机", name=["洗衣机"])], concept("洗")) == ["洗衣机"]


documents = st.lists(
    st.builds(
        lambda key, fields: doc(key, **fields),
        st.just(""),
        st.fixed_dictionaries(
            {f: st.lists(st.sampled_from(VOCABULARY), max_size=4) for f in FIELDS}
        ),
    ),
    min_size=1,
    max_size=12,
).map(lambda ds: [SearchDoc(f"d{i}", d.fields, d.name, d.keywords) for i, d in enumerate(ds)])
queries = st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=3, unique=True).map(
    lambda words: Query(concepts=[concept(w) for w in words], phrase="".join(words))
)


@settings(max_examples=150, deadline=None)
@given(documents, queries, st.randoms(use_true_random=False))
def test_the_answer_does_not_depend_on_the_services_order(docs, query, rng) -> None:  # noqa: ANN001
    shuffled = list(docs)
    rng.shuffle(shuffled)
    first, second = rank(docs, query), rank(shuffled, query)
    assert {r.key for r in first} == {r.key for r in second}
    assert [r.score for r in first] == pytest.approx([r.score for r in second])


@settings(max_examples=150, deadline=None)
@given(documents, queries)
def test_answers_match_best_first_and_all_cover_alike(docs, query) -> None:  # noqa: ANN001
    found = rank(docs, query)
    scores = [r.score for r in found]
    assert scores == sorted(scores, reverse=True)
    assert all(s > 0 for s in scores)
    assert len({r.coverage for r in found}) <= 1
    words = {c.word for c in query.concepts}
    for r in found:
        assert set(r.matched) <= words and r.coverage == len(r.matched) > 0
        source = next(d for d in docs if d.key == r.key)
        text = " ".join(f.text for f in source.fields.values())
        assert any(w in text for w in r.matched)


@settings(max_examples=150, deadline=None)
@given(documents, queries, st.data())
def test_naming_the_word_raises_a_match(docs, query, data) -> None:  # noqa: ANN001
    """A service that has the word somewhere only gains by carrying it in its name too."""
    before = {r.key: r.score for r in rank(docs, query)}
    word = query.concepts[0].word
    having = sorted(
        k
        for k in before
        if any(d.key == k and d.fields[f].terms[word] for d in docs for f in FIELDS)
    )
    if not having:
        return
    key = data.draw(st.sampled_from(having))
    index = next(i for i, d in enumerate(docs) if d.key == key)
    old = docs[index]
    name = old.fields["name"]
    grown = FieldText(terms=name.terms + Counter([word]), text=f"{name.text} {word}")
    changed = SearchDoc(key, {**old.fields, "name": grown}, old.name, old.keywords)
    after = {r.key: r.score for r in rank([*docs[:index], changed, *docs[index + 1 :]], query)}
    assert after[key] > before[key]
