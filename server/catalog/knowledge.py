"""The technicians' knowledge base: per service, its SOP, common faults and fixes, safety.

The faults and safety notes live in ``assets/knowledge.yaml``; the SOP steps are the
service's own (the catalog row the orders tick), so the article and the checklist never
disagree. The file is read and checked once per process, at start-up: a catalog service
without an article, an unknown code or an empty section stops the server, not a reader.

Each article carries a ``version`` (a hash of everything it shows) so the app can keep
its offline copy and fetch an article again only when it changed. Search cuts articles
with the catalog's segmenter (:mod:`lexicon`) and ranks them with catalog search's rule
(:mod:`ranking`), faults and safety notes being fields of their own.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from server.catalog.lexicon import Lexicon, catalog_words, shared_lexicon
from server.catalog.models import (
    KnowledgeArticle,
    KnowledgeFault,
    KnowledgeSummary,
    Service,
    SopStepRead,
)
from server.catalog.ranking import SearchDoc, rank

DEFAULT_KNOWLEDGE = Path(__file__).resolve().parents[2] / "assets" / "knowledge.yaml"
DEFAULT_CATALOG = Path(__file__).resolve().parents[2] / "assets" / "catalog.yaml"
MAX_FAULTS = 5
MAX_SAFETY = 4


class KnowledgeFileError(ValueError):
    """The knowledge file does not fit the catalog: the server must not start with it."""


@dataclass(frozen=True)
class Entry:
    """One service's knowledge as the file gives it (its category's entries included)."""

    faults: tuple[tuple[str, str], ...]
    safety: tuple[str, ...]


@dataclass(frozen=True)
class KnowledgeBase:
    entries: dict[str, Entry]  # service code -> entry
    updated_at: datetime


def _faults(raw: Any, where: str) -> list[tuple[str, str]]:
    if not isinstance(raw, list):
        raise KnowledgeFileError(f"{where}: faults must be a list")
    faults = []
    for item in raw:
        if not (isinstance(item, list) and len(item) == 2 and all(_text(t) for t in item)):
            raise KnowledgeFileError(f"{where}: a fault is [问题, 处理], got {item!r}")
        faults.append((str(item[0]).strip(), str(item[1]).strip()))
    return faults


def _notes(raw: Any, where: str) -> list[str]:
    if not isinstance(raw, list) or not all(_text(t) for t in raw):
        raise KnowledgeFileError(f"{where}: safety must be a list of texts")
    return [str(t).strip() for t in raw]


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def parse(data: Any, catalog: dict[str, Any]) -> KnowledgeBase:
    """The file's entries checked against the catalog (pure: both already read)."""
    if not isinstance(data, dict) or data.get("version") != 1:
        raise KnowledgeFileError("the knowledge file must be a mapping with version: 1")
    categories = data.get("categories") or {}
    services = data.get("services") or {}
    codes = {
        s["code"]: top["code"]
        for top in catalog["categories"]
        for child in top.get("children", [])
        for s in child.get("services", [])
    }
    unknown = sorted(set(services) - set(codes)) + sorted(
        set(categories) - {top["code"] for top in catalog["categories"]}
    )
    if unknown:
        raise KnowledgeFileError(f"codes not in the catalog: {unknown}")
    missing = sorted(set(codes) - set(services))
    if missing:
        raise KnowledgeFileError(f"catalog services without an article: {missing}")
    entries = {}
    for code, top in codes.items():
        own, shared = services[code] or {}, categories.get(top) or {}
        faults = _faults(own.get("faults", []), code) + _faults(shared.get("faults", []), top)
        safety = _notes(own.get("safety", []), code) + _notes(shared.get("safety", []), top)
        if len(faults) < 3 or len(safety) < 2:
            raise KnowledgeFileError(f"{code}: needs at least 3 faults and 2 safety notes")
        entries[code] = Entry(tuple(faults[:MAX_FAULTS]), tuple(safety[:MAX_SAFETY]))
    updated = data.get("updated_at")
    if not isinstance(updated, datetime) or updated.tzinfo is None:
        raise KnowledgeFileError("updated_at must be an aware time (…Z)")
    return KnowledgeBase(entries=entries, updated_at=updated.astimezone(UTC))


def load(path: Path = DEFAULT_KNOWLEDGE, *, catalog_path: Path = DEFAULT_CATALOG) -> KnowledgeBase:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise KnowledgeFileError(f"{path.name}: not YAML: {exc}") from exc
    return parse(data, yaml.safe_load(catalog_path.read_text(encoding="utf-8")))


_base: KnowledgeBase | None = None
_base_lock = threading.Lock()


def shared() -> KnowledgeBase:
    """The process's knowledge base, read once (create_app calls it: fails at start)."""
    global _base
    if _base is None:
        with _base_lock:
            if _base is None:
                _base = load()
    return _base


def article(
    service: Service, category: tuple[str, str, str | None], kb: KnowledgeBase
) -> KnowledgeArticle:
    """A service's article: its SOP from the catalog row, the rest from the file;
    ``category`` is its top category's (zh, en, icon)."""
    entry = kb.entries.get(service.code, Entry((), ()))
    body: dict[str, Any] = {
        "service_id": service.id,
        "service_code": service.code,
        "name_zh": service.name_zh,
        "name_en": service.name_en,
        "category_zh": category[0],
        "category_en": category[1],
        "icon": category[2],
        "updated_at": kb.updated_at,
        "sop": [SopStepRead(**s) for s in service.sop],
        "faults": [KnowledgeFault(problem=p, fix=f) for p, f in entry.faults],
        "safety": list(entry.safety),
    }
    digest = hashlib.sha256(
        json.dumps(
            KnowledgeArticle(version="", **body).model_dump(mode="json"),
            sort_keys=True,
            ensure_ascii=False,
        ).encode()
    ).hexdigest()[:16]
    return KnowledgeArticle(version=digest, **body)


def summary(a: KnowledgeArticle, hint: str | None = None) -> KnowledgeSummary:
    return KnowledgeSummary(
        service_id=a.service_id,
        service_code=a.service_code,
        name_zh=a.name_zh,
        name_en=a.name_en,
        category_zh=a.category_zh,
        icon=a.icon,
        updated_at=a.updated_at,
        version=a.version,
        hint=hint,
    )


# (service id, version, catalog keywords, dictionary generation) -> document
_docs: dict[tuple[str, str, tuple[str, ...], int], SearchDoc] = {}
_docs_lock = threading.Lock()


def _document(lexicon: Lexicon, a: KnowledgeArticle, keywords: list[str]) -> SearchDoc:
    """An article as search sees it, cut once per version and dictionary."""
    key = (a.service_id, a.version, tuple(keywords), lexicon.generation)
    with _docs_lock:
        if (doc := _docs.get(key)) is not None:
            return doc
    faults = [f"{f.problem} {f.fix}" for f in a.faults]
    fields = {
        "name": lexicon.field([a.name_zh, a.name_en]),
        "category": lexicon.field([a.category_zh, a.category_en]),
        "keywords": lexicon.field(keywords),
        "faults": lexicon.field(faults),
        "sop": lexicon.field([s.title_zh for s in a.sop]),
        "safety": lexicon.field(a.safety),
    }
    doc = SearchDoc(key=a.service_id, fields=fields, name=a.name_zh.lower())
    with _docs_lock:
        if len(_docs) > 4096:
            _docs.clear()
        _docs[key] = doc
    return doc


def search(
    articles: list[KnowledgeArticle], keywords: dict[str, list[str]], q: str
) -> list[KnowledgeSummary]:
    """The articles that answer ``q``, best first, each with the fault (or safety note)
    that matched best as its hint. ``keywords``: the services' catalog keywords."""
    lexicon = shared_lexicon()
    lexicon.learn(
        catalog_words([t for a in articles for t in (a.name_zh, *keywords.get(a.service_id, []))])
    )
    docs = [_document(lexicon, a, keywords.get(a.service_id, [])) for a in articles]
    query = lexicon.query(q)
    by_id = {a.service_id: a for a in articles}
    words = [w for c in query.concepts for w, weight in c.alternatives.items() if weight >= 1.0]
    return [summary(by_id[r.key], _hint(by_id[r.key], words)) for r in rank(docs, query)]


def _hint(a: KnowledgeArticle, words: list[str]) -> str | None:
    """The fault (else safety note) naming the most of the query's words, those the
    article's name already says (空调 in 空调维修) left out."""
    words = [w for w in words if w not in a.name_zh.lower()] or words
    candidates = [f"{f.problem}：{f.fix}" for f in a.faults] + list(a.safety)
    scored = [(sum(w in c.lower() for w in words), -i, c) for i, c in enumerate(candidates)]
    best = max(scored, default=(0, 0, ""))
    return best[2] if best[0] > 0 else None
