"""Cutting the catalog and the customer's words into terms for :mod:`ranking`.

Chinese is written without spaces, so a segmenter finds the words: rjieba (jieba-rs,
jieba's dictionary and algorithm in Rust) with the catalog's own words added, so 除甲醛
and 育儿嫂 stay whole while 空调清洗 still yields 空调 and 清洗. Documents are cut in
search mode (every word and the words inside it); a query is cut into the smallest
words the customer meant, each a concept with its synonyms from
``assets/search_synonyms.yaml``.

The segmenter is built once per process, on the first search (loading jieba's
dictionary takes a few tenths of a second); it is shared under a lock because adding a
word and cutting must not interleave.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import rjieba
import yaml

from server.catalog.ranking import (
    INNER_WORD_WEIGHT,
    SYNONYM_WEIGHT,
    Concept,
    FieldText,
    Query,
)

DEFAULT_SYNONYMS = Path(__file__).resolve().parents[2] / "assets" / "search_synonyms.yaml"

_CJK_WORD = re.compile(r"[\u3400-\u9fff]{2,}")
_WORDLIKE = re.compile(r"[0-9a-z\u3400-\u9fff]")
_ASCII = re.compile(r"[ -~]+")


def normalize(term: str) -> str:
    """Lower case; an English plural as its singular (kids -> kid, nannies -> nanny)."""
    term = term.strip().lower()
    if _ASCII.fullmatch(term) and len(term) > 3:
        if term.endswith("ies"):
            return term[:-3] + "y"
        if term.endswith("s") and not term.endswith(("ss", "us", "is")):
            return term[:-1]
    return term


def load_synonyms(path: Path = DEFAULT_SYNONYMS) -> dict[str, frozenset[str]]:
    """Each word's synonyms: every other word of every group it is in."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found: dict[str, set[str]] = {}
    for group in data.get("groups", []):
        words = {normalize(str(w)) for w in group}
        for word in words:
            found.setdefault(word, set()).update(words - {word})
    return {word: frozenset(others) for word, others in found.items()}


def catalog_words(texts: Iterable[str]) -> set[str]:
    """The Chinese words a catalog text contributes to the dictionary: its runs of two
    or more Chinese characters (a name like 钟点工(做饭+保洁) gives three)."""
    return {run for text in texts for run in _CJK_WORD.findall(text)}


class Lexicon:
    """The segmenter with the catalog's words, and the synonym table."""

    def __init__(self, synonyms: Mapping[str, frozenset[str]]) -> None:
        self.synonyms = synonyms
        self._lock = threading.Lock()
        self._jieba = rjieba.Jieba()
        self._learned: set[str] = set()
        self.generation = 0  # goes up whenever words are added: earlier cuts may differ
        self.learn(w for w in synonyms if _CJK_WORD.fullmatch(w))

    def learn(self, words: Iterable[str]) -> bool:
        """Add words to the dictionary (each once); True when any was new."""
        wanted = set(words)
        with self._lock:
            new = sorted(wanted - self._learned)
            if not new:
                return False
            for word in new:
                self._jieba.add_word(word, None, None)
            self._learned.update(new)
            self.generation += 1
        return True

    def field(self, texts: Iterable[str]) -> FieldText:
        """A field's terms in search mode (空调清洗 -> 空调, 清洗, 空调清洗), each text cut
        on its own so two keywords never run together."""
        terms: Counter[str] = Counter()
        lowered = []
        for raw in texts:
            text = unicodedata.normalize("NFKC", raw)
            lowered.append(text.lower())
            with self._lock:
                cut = self._jieba.cut_for_search(text)
            terms.update(normalize(t) for t in cut if _WORDLIKE.search(t.lower()))
        return FieldText(terms=terms, text=" | ".join(lowered))

    def words(self, text: str) -> list[str]:
        """The words of a text as the segmenter cuts it (full-width letters as ASCII),
        lower-cased, without spaces or punctuation: 照顾小孩 -> 照顾, 小孩; 空调清洗 stays
        whole once the catalog taught it (:meth:`query` then finds its parts)."""
        with self._lock:
            cut = self._jieba.cut(unicodedata.normalize("NFKC", text))
        return [normalize(t) for t in cut if _WORDLIKE.search(t.lower())]

    def query(self, q: str) -> Query:
        """The customer's words as concepts: each word cut down to the smallest words
        the dictionary knows inside it (住家保姆照顾老人 -> 住家, 保姆, 照顾, 老人); a single
        character left over counts only when the synonym table knows it (修 in 修空调)."""
        coarse = self.words(q)
        concepts: list[Concept] = []
        seen: set[str] = set()
        for word in coarse:
            inner = self._inner_words(word)
            pieces = self._tiling(word, inner)
            if len(pieces) > 1:  # a compound: each part is a concept of its own
                parts = [self._concept(p, whole=word, inner=()) for p in pieces]
            else:  # one word: the words inside it stand in for it, a little below
                parts = [self._concept(word, whole=word, inner=inner)]
            for concept in parts:
                if concept.word not in seen:
                    seen.add(concept.word)
                    concepts.append(concept)
        phrase = re.sub(r"\s+", "", unicodedata.normalize("NFKC", q).lower())
        return Query(concepts=concepts, phrase=phrase)

    def _inner_words(self, word: str) -> set[str]:
        if _ASCII.fullmatch(word) or len(word) <= 2:
            return set()
        with self._lock:
            cut = self._jieba.cut_for_search(word)
        return {t for t in cut if t != word and len(t) >= 2}

    def _tiling(self, word: str, inner: set[str]) -> list[str]:
        """The word as a row of smaller words, longest first from the left, a single
        character allowed only when the synonym table knows it; [] when none covers it."""
        pieces: list[str] = []
        i = 0
        while i < len(word):
            longest = max((t for t in inner if word.startswith(t, i)), key=len, default="")
            if not longest:
                if word[i] not in self.synonyms:
                    return []
                longest = word[i]
            pieces.append(longest)
            i += len(longest)
        return pieces

    def _concept(self, word: str, *, whole: str, inner: Iterable[str]) -> Concept:
        """A word's alternatives: itself, the whole it was cut from (a service that has
        the whole compound matches twice: the words stand together there), their
        synonyms, and the words inside it."""
        alternatives: dict[str, float] = dict.fromkeys(inner, INNER_WORD_WEIGHT)
        for term in (word, whole):
            for synonym in self.synonyms.get(term, ()):
                alternatives[synonym] = max(alternatives.get(synonym, 0.0), SYNONYM_WEIGHT)
        alternatives[word] = alternatives[whole] = 1.0
        return Concept(word=word, alternatives=alternatives)


_lexicon: Lexicon | None = None
_lexicon_lock = threading.Lock()


def shared_lexicon() -> Lexicon:
    """The process's lexicon, built on first use."""
    global _lexicon
    if _lexicon is None:
        with _lexicon_lock:
            if _lexicon is None:
                _lexicon = Lexicon(load_synonyms())
    return _lexicon
