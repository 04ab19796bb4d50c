"""What relevance-ranked catalog search costs beside the substring search it replaced.

The catalog (assets/catalog.yaml) is loaded into a SQLite file; each query runs through
the old search (names and keywords by substring or a shared 2-character run, as
``server/catalog/service.py`` had it) and the new ``search()`` in the same process, on
the same unit of work, many times, old and new interleaved (CPU time of this process,
so other work on the machine weighs little). Two measures: the whole ``search()`` (database read
included, what a request pays) and the matching alone on services already in memory.
The segmenter is built before timing (a one-off per process, reported on its own).
Writes bench/out/catalog_search.json.

    .venv/bin/python bench/catalog_search.py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import SQLModel, col, select  # noqa: E402

import server.models  # noqa: E402, F401  (every table, for create_all)
from server.catalog import lexicon, search  # noqa: E402
from server.catalog import service as catalog_service  # noqa: E402
from server.catalog.models import Category, Service  # noqa: E402
from server.core.db import make_engine  # noqa: E402
from server.core.settings import Settings  # noqa: E402
from server.core.uow import Parts, UnitOfWork  # noqa: E402

OUT = Path(__file__).parent / "out" / "catalog_search.json"
QUERIES = (
    "照顾小孩",
    "小孩",
    "除甲醛",
    "空调清洗",
    "AC cleaning",
    "修空调",
    "马桶堵了",
    "住家保姆照顾老人",
    "深度 清洁 厨房",
    "擦玻璃",
)


def old_matches(service: Service, term: str) -> bool:
    """The replaced rule: a term in the names and keywords, or a 2-character run of it."""
    if term in service.search_text:
        return True
    if any(ord(ch) > 0x2E80 for ch in term) and len(term) >= 2:
        return any(term[i : i + 2] in service.search_text for i in range(len(term) - 1))
    return False


def old_filter(services: list[Service], q: str) -> list[Service]:
    terms = [t for t in q.lower().split() if t]
    found = [s for s in services if all(old_matches(s, t) for t in terms)]
    found.sort(key=lambda s: 0 if q.lower() in (s.name_zh + s.name_en).lower() else 1)
    return found


def old_search(uow: UnitOfWork, q: str) -> list[Service]:
    stmt = select(Service).where(Service.active == True)  # noqa: E712
    services = list(
        uow.session.exec(stmt.order_by(col(Service.top_category_id), col(Service.position))).all()
    )
    return old_filter(services, q)


def timed_pair(
    old: Callable[[], object], new: Callable[[], object], repeats: int
) -> tuple[float, float]:
    """Median CPU seconds of one call of each, the two interleaved so that whatever else
    the machine does falls on both alike."""
    old(), new()  # warm
    old_samples, new_samples = [], []
    for _ in range(repeats):
        for run, samples in ((old, old_samples), (new, new_samples)):
            t0 = time.process_time()
            run()
            samples.append(time.process_time() - t0)
    return statistics.median(old_samples), statistics.median(new_samples)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=200)
    args = ap.parse_args()
    t0 = time.perf_counter()
    lexicon.shared_lexicon()
    segmenter_build_s = time.perf_counter() - t0
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(env="test", data_dir=Path(tmp), secret_key="catalog-bench-" + "0" * 24)
        engine = make_engine(f"sqlite:///{Path(tmp) / 'catalog.db'}")
        SQLModel.metadata.create_all(engine)
        parts = Parts.on(engine, settings)
        with UnitOfWork.begin(parts) as uow:
            catalog_service.load_catalog(uow)
        with UnitOfWork.begin(parts, write=False) as uow:
            services = list(uow.session.exec(select(Service)).all())
            categories = {c.id: (c.name_zh, c.name_en) for c in uow.session.exec(select(Category))}
            t0 = time.perf_counter()
            search.ranked(services, categories, "空调")  # the catalog's documents, once
            documents_build_s = time.perf_counter() - t0
            for q in QUERIES:
                old_s, new_s = timed_pair(
                    lambda q=q: old_search(uow, q),
                    lambda q=q: catalog_service.search(uow, q=q),
                    args.repeats,
                )
                old_core, new_core = timed_pair(
                    lambda q=q: old_filter(services, q),
                    lambda q=q: search.ranked(services, categories, q),
                    args.repeats,
                )
                rows.append(
                    {
                        "query": q,
                        "found_old": len(old_search(uow, q)),
                        "found_new": len(catalog_service.search(uow, q=q)),
                        "first_new": next(
                            (s.code for s in catalog_service.search(uow, q=q)[:1]), None
                        ),
                        "search_us_old": round(old_s * 1e6, 1),
                        "search_us_new": round(new_s * 1e6, 1),
                        "search_ratio": round(new_s / old_s, 2),
                        "matching_us_old": round(old_core * 1e6, 1),
                        "matching_us_new": round(new_core * 1e6, 1),
                        "matching_ratio": round(new_core / old_core, 2),
                    }
                )
                r = rows[-1]
                print(
                    f"{q:<14} search {r['search_us_old']:>7} -> {r['search_us_new']:>7} us "
                    f"({r['search_ratio']}x)  matching {r['matching_us_old']:>6} -> "
                    f"{r['matching_us_new']:>6} us ({r['matching_ratio']}x)  "
                    f"found {r['found_old']} -> {r['found_new']}",
                    flush=True,
                )
        engine.dispose()
    summary = {
        "search_ratio_median": statistics.median(r["search_ratio"] for r in rows),
        "search_ratio_max": max(r["search_ratio"] for r in rows),
        "matching_ratio_median": statistics.median(r["matching_ratio"] for r in rows),
        "segmenter_build_ms": round(segmenter_build_s * 1000, 1),
        "documents_build_ms": round(documents_build_s * 1000, 1),
    }
    print(json.dumps(summary))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
                "services": len(services),
                "repeats": args.repeats,
                "queries": rows,
                **summary,
            },
            indent=2,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
