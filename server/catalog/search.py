"""Catalog search: services as search documents, ranked by :mod:`ranking`.

A service is cut into terms once per catalog version and process (the documents are kept
by their searchable text and rebuilt only when it or the dictionary changes), so a
search cuts only the query: a few microseconds beside the database read.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Mapping, Sequence

from server.catalog.lexicon import Lexicon, catalog_words, shared_lexicon
from server.catalog.models import Service
from server.catalog.ranking import Ranked, SearchDoc, rank

# a service's searchable text (names, keywords, tags: Service.search_text) and its
# categories' names: the same key, the same document
DocKey = tuple[str, str, tuple[str, ...]]
# category id -> its names (zh, en)
CategoryNames = Mapping[str, tuple[str, str]]
_MAX_DOCS = 4096


class DocumentCache:
    """Each service's document, kept while its text and the dictionary are unchanged."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._lock = threading.Lock()
        self._docs: dict[DocKey, SearchDoc] = {}
        self._generation = lexicon.generation

    def documents(self, services: Sequence[Service], categories: CategoryNames) -> list[SearchDoc]:
        keys = [doc_key(s, categories) for s in services]
        with self._lock:
            missing = [(k, s) for k, s in zip(keys, services, strict=True) if k not in self._docs]
            if missing:
                texts = [t for k, s in missing for t in (s.name_zh, *s.keywords, *k[2])]
                self.lexicon.learn(catalog_words(texts))
            if self._generation != self.lexicon.generation or len(self._docs) > _MAX_DOCS:
                self._docs.clear()  # new words may cut the old documents differently
                self._generation = self.lexicon.generation
            for key, service in zip(keys, services, strict=True):
                if key not in self._docs:
                    self._docs[key] = self._document(service, key[2])
            return [self._docs[k] for k in keys]

    def _document(self, service: Service, category_names: tuple[str, ...]) -> SearchDoc:
        keywords = [str(k) for k in service.keywords]
        fields = {
            "name": self.lexicon.field([service.name_zh, service.name_en]),
            "category": self.lexicon.field(category_names),
            "keywords": self.lexicon.field(keywords),
            "tags": self.lexicon.field([str(t) for t in service.tags]),
        }
        return SearchDoc(
            key=service.id,
            fields=fields,
            name=_folded(f"{service.name_zh} {service.name_en}"),
            keywords=frozenset(_folded(k) for k in keywords),
        )


def _folded(text: str) -> str:
    """As the query's phrase is compared: full-width as ASCII, lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def doc_key(service: Service, categories: CategoryNames) -> DocKey:
    names: tuple[str, ...] = ()
    for category_id in (service.category_id, service.top_category_id):
        names += categories.get(category_id, ())
    return (service.id, service.search_text, names)


_cache: DocumentCache | None = None
_cache_lock = threading.Lock()


def document_cache() -> DocumentCache:
    """The process's documents, over the shared lexicon (built on the first search)."""
    global _cache
    if _cache is None:
        with _cache_lock:
            if _cache is None:
                _cache = DocumentCache(shared_lexicon())
    return _cache


def ranked(
    services: Sequence[Service], categories: CategoryNames, q: str
) -> list[tuple[Service, Ranked]]:
    """The services that answer ``q``, best first, with how they matched."""
    cache = document_cache()
    docs = cache.documents(services, categories)
    by_id = {s.id: s for s in services}
    return [(by_id[r.key], r) for r in rank(docs, cache.lexicon.query(q))]
