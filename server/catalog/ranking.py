"""How well a service answers a search: the pure scoring core of catalog search.

No I/O and no segmenter here: documents and queries arrive already cut into terms
(:mod:`server.catalog.lexicon` does the cutting), so the rule can be tested on its own.

The rule, BM25F over concepts:

* A query is a list of *concepts* (one per word the customer meant, e.g. 空调 and 清洗
  for 空调清洗); each concept is a set of alternative terms with a weight: the word
  itself 1.0, its synonyms less.
* A concept's frequency in a service adds every alternative found, by its weight, how
  often it occurs, and its field's weight (name > category > keywords > tags). When no
  alternative is a word of the service, a piece of its text (clean in cleaning) counts
  for less.
* Its score is BM25's: inverse document frequency over the candidates times the
  saturated frequency, so a word every service has counts for little and a keyword
  repeated ten times no more than a few.
* Coverage comes first: only the services that match the most concepts are answers
  (空调清洗 shows the air-conditioner cleanings, not every service that cleans
  something), then by score; a phrase the customer typed whole, found in a name or as a
  keyword, earns a bonus; the catalog's order breaks ties.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

# how much a match in each field counts: a service's name says most about what it is
FIELD_WEIGHTS: Mapping[str, float] = {"name": 3.0, "category": 2.0, "keywords": 1.5, "tags": 0.5}
SYNONYM_WEIGHT = 0.8  # a synonym of the customer's word
INNER_WORD_WEIGHT = 0.5  # a word inside the customer's (甲醛 in 除甲醛)
PART_WEIGHT = 0.5  # the term is only a piece of the field's text (清 in 清洗)
K1 = 2.0  # BM25 saturation: how fast repeats stop adding
NAME_PHRASE_BONUS = 2.0  # the whole query is (in) the service's name
KEYWORD_PHRASE_BONUS = 3.0  # the whole query is one of its keywords: the catalog says so


@dataclass(frozen=True)
class FieldText:
    """One field of a service: its terms (with repeats) and its text, lower-cased."""

    terms: Counter[str]
    text: str


@dataclass(frozen=True)
class SearchDoc:
    """A service as search sees it: ``key`` is its id; ``name`` and ``keywords``,
    lower-cased, are where a whole query earns the phrase bonus."""

    key: str
    fields: Mapping[str, FieldText]
    name: str = ""
    keywords: frozenset[str] = frozenset()

    @cached_property
    def weighted_terms(self) -> dict[str, float]:
        """Each term's count over the fields, weighted by field: one look-up per term."""
        weighted: dict[str, float] = {}
        for name, text in self.fields.items():
            field_weight = FIELD_WEIGHTS.get(name, 1.0)
            for term, count in text.terms.items():
                weighted[term] = weighted.get(term, 0.0) + field_weight * count
        return weighted

    @cached_property
    def text(self) -> str:
        """All its fields' text, to rule out a piece of a word in one look."""
        return " | ".join(f.text for f in self.fields.values())


@dataclass(frozen=True)
class Concept:
    """One thing the customer asked for: alternative terms with their weights. ``word``
    (the customer's own word) may also match as a piece of a field's text."""

    word: str
    alternatives: Mapping[str, float]


@dataclass(frozen=True)
class Query:
    concepts: Sequence[Concept]
    phrase: str = ""  # the whole query lower-cased without spaces, for the phrase bonus


@dataclass(frozen=True)
class Ranked:
    key: str
    score: float
    coverage: int  # how many of the query's concepts the service matches
    matched: tuple[str, ...] = field(default=())  # the concepts' words it matched


def concept_frequency(doc: SearchDoc, concept: Concept) -> float:
    """BM25F's combined frequency: every alternative found, by its weight, its count and
    its field's weight (a service that says 孩子, 育儿 and childcare is more about children
    than one that says 儿童 once). Only when no alternative is a word of the service do
    pieces of its text count."""
    weighted = doc.weighted_terms
    alternatives = concept.alternatives
    found = sum(alternatives[t] * weighted[t] for t in alternatives.keys() & weighted.keys())
    if found or concept.word not in doc.text:
        return found
    return sum(
        FIELD_WEIGHTS.get(name, 1.0) * PART_WEIGHT
        for name, text in doc.fields.items()
        if _part_of(concept.word, text.text)
    )


def _part_of(word: str, text: str) -> bool:
    """A piece of text counts when it is at least a Chinese character or three letters:
    "ac" is in "replacement", which is no air conditioner."""
    if not word or word not in text:
        return False
    return len(word) >= 3 or any(ord(ch) > 0x2E80 for ch in word)


def inverse_document_frequency(matching: int, total: int) -> float:
    """BM25's idf, never negative: a concept in every candidate still counts a little."""
    return math.log(1.0 + (total - matching + 0.5) / (matching + 0.5))


def saturate(frequency: float) -> float:
    return frequency * (K1 + 1.0) / (frequency + K1)


def phrase_bonus(doc: SearchDoc, phrase: str) -> float:
    if len(phrase) < 2:
        return 0.0
    bonus = NAME_PHRASE_BONUS if phrase in doc.name else 0.0
    if phrase in doc.keywords:
        bonus += KEYWORD_PHRASE_BONUS
    return bonus


def rank(docs: Sequence[SearchDoc], query: Query) -> list[Ranked]:
    """The services that answer the query, best first. Only those matching the most
    concepts are kept; none when no service matches any."""
    if not query.concepts or not docs:
        return []
    frequencies = [[concept_frequency(d, c) for c in query.concepts] for d in docs]
    idf = [
        inverse_document_frequency(sum(1 for row in frequencies if row[i] > 0), len(docs))
        for i in range(len(query.concepts))
    ]
    ranked: list[tuple[int, Ranked]] = []
    for position, (doc, row) in enumerate(zip(docs, frequencies, strict=True)):
        matched = tuple(c.word for c, f in zip(query.concepts, row, strict=True) if f > 0)
        if not matched:
            continue
        score = sum(w * saturate(f) for w, f in zip(idf, row, strict=True))
        score += phrase_bonus(doc, query.phrase)
        ranked.append((position, Ranked(doc.key, score, len(matched), matched)))
    if not ranked:
        return []
    best_coverage = max(r.coverage for _, r in ranked)
    kept = [(p, r) for p, r in ranked if r.coverage == best_coverage]
    kept.sort(key=lambda pr: (-pr[1].score, pr[0]))
    return [r for _, r in kept]
