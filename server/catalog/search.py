"""Catalog search: services as search documents, ranked by :mod:`ranking`.

A service is cut into terms once per catalog version and process (the documents are kept
by their searchable text and rebuilt only when it or the dictionary changes), so a
search cuts only the query: a few microseconds beside the database read.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

from server.catalog.lexicon import Lexicon, catalog_words, shared_lexicon
from server.catalog.models import Category, Service
from server.catalog.ranking import Ranked, SearchDoc, rank

# what a document is built from; the same text gives the same document
DocSource = tuple[str, str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]
_MAX_DOCS = 4096


class DocumentCache:
    """Each service's document, kept while its text and the dictionary are unchanged."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._lock = threading.Lock()
        self._docs: dict[DocSource, SearchDoc] = {}
        self._generation = lexicon.generation

    def documents(self, sources: Sequence[DocSource]) -> list[SearchDoc]:
        with self._lock:
            missing = [s for s in sources if s not in self._docs]
            if missing:
                texts = [t for s in missing for t in (s[1], *s[3], *s[5])]
                self.lexicon.learn(catalog_words(texts))
            if self._generation != self.lexicon.generation or len(self._docs) > _MAX_DOCS:
                self._docs.clear()  # new words may cut the old documents differently
                self._generation = self.lexicon.generation
            for source in sources:
                if source not in self._docs:
                    self._docs[source] = self._document(source)
            return [self._docs[s] for s in sources]

    def _document(self, source: DocSource) -> SearchDoc:
        key, name_zh, name_en, keywords, tags, categories = source
        fields = {
            "name": self.lexicon.field([name_zh, name_en]),
            "category": self.lexicon.field(categories),
            "keywords": self.lexicon.field(keywords),
            "tags": self.lexicon.field(tags),
        }
        return SearchDoc(
            key=key,
            fields=fields,
            name=f"{name_zh} {name_en}".lower(),
            keywords=frozenset(k.lower() for k in keywords),
        )


def doc_source(service: Service, categories: Mapping[str, Category]) -> DocSource:
    names: list[str] = []
    for category_id in (service.category_id, service.top_category_id):
        category = categories.get(category_id)
        if category is not None:
            names += [category.name_zh, category.name_en]
    return (
        service.id,
        service.name_zh,
        service.name_en,
        tuple(str(k) for k in service.keywords),
        tuple(str(t) for t in service.tags),
        tuple(names),
    )


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
    services: Sequence[Service], categories: Mapping[str, Category], q: str
) -> list[tuple[Service, Ranked]]:
    """The services that answer ``q``, best first, with how they matched."""
    cache = document_cache()
    docs = cache.documents([doc_source(s, categories) for s in services])
    by_id = {s.id: s for s in services}
    return [(by_id[r.key], r) for r in rank(docs, cache.lexicon.query(q))]
