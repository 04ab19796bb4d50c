"""Documents made after the reply: a signed work order's and an invoice's PDF.

Rendering a PDF takes most of a second of CPU, so the request that makes a document due
(the customer confirms the work order, asks for an invoice) only records that it is due
and replies at once; this job renders the file, stores it and attaches it to the row
that waits for it, then tells the order's parties over the live feed
(``{"t": "document", "kind", "order_id", "file_id", ...}``).

What is due is read from the rows themselves (a confirmed work order without its file,
an invoice without its file), so nothing is lost to a crash: the next pass finds it. The
rendering runs outside any transaction; attaching is one short transaction with a
conditional update, so when two workers render the same document the second one's file
is dropped. Each domain says what it has due through a ``Finder``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from server.auth.models import User
from server.core.db import read_session
from server.core.uow import UnitOfWork
from server.core.uow_middleware import writer_gate
from server.files import service as files_service

log = logging.getLogger("doorstep.files.filing")

BATCH = 20  # documents a finder hands over per pass
IDLE_SECONDS = 5  # a pass at least this often (documents left by a crash or another worker)


@dataclass(frozen=True)
class DueDocument:
    kind: str  # "work_order" | "invoice"
    order_id: str
    owner_id: str  # whose file it is: the customer
    render: Callable[[], bytes]  # pure: what it needs was read by the finder
    attach: Callable[[Session, str], bool]  # the conditional update; False: already attached
    notice: dict[str, Any]  # what the feed message says besides kind, order and file


# (read-only session, app) -> documents due, at most BATCH
Finder = Callable[[Session, Any], list[DueDocument]]

FILING_JOB = "files.file_due"


class _AttachedElsewhere(Exception):
    """Another worker attached the document first: this run's file and row are undone."""


def file_soon(uow: UnitOfWork) -> None:
    """Run the filing job once ``uow`` (which made a document due) commits."""
    uow.defer(FILING_JOB, lock=FILING_JOB)


def finders(app: Any) -> Sequence[Finder]:  # noqa: ANN401
    return app.state.document_finders


def _find(app: Any) -> list[DueDocument]:  # noqa: ANN401
    """Every finder's documents; one that fails is logged and the others still count."""
    due: list[DueDocument] = []
    with read_session(app.state.engine) as session:
        for find in finders(app):
            try:
                due += find(session, app)
            except Exception:
                log.exception("finding due documents failed: %s", getattr(find, "__name__", find))
                session.rollback()
    return due


def _keep(app: Any, doc: DueDocument, data: bytes) -> str | None:  # noqa: ANN401
    """Store the file and attach it, in one transaction; None when it was attached first
    elsewhere (the file written here is removed again). Then the feed is told."""
    settings = app.state.settings
    written = None
    try:
        with UnitOfWork.begin(app.state) as uow:
            owner = uow.session.get(User, doc.owner_id)
            if owner is None:
                return None
            row = files_service.store(
                uow,
                files_dir=settings.files_dir,
                owner=owner,
                kind="document",
                data=data,
                max_bytes=len(data),
                order_id=doc.order_id,
            )
            written = settings.files_dir / row.storage_path
            if not doc.attach(uow.session, row.id):
                raise _AttachedElsewhere
    except _AttachedElsewhere:
        assert written is not None
        written.unlink(missing_ok=True)
        return None
    except BaseException:
        if written is not None:
            written.unlink(missing_ok=True)
        raise
    app.state.realtime.publish(
        {
            "t": "document",
            "kind": doc.kind,
            "order_id": doc.order_id,
            "file_id": row.id,
            **doc.notice,
        }
    )
    return row.id


def file_due(app: Any) -> int:  # noqa: ANN401
    """One pass, here and now (the CLI, tests): the number of documents attached."""
    return sum(_keep(app, doc, doc.render()) is not None for doc in _find(app))


async def file_due_async(app: Any) -> int:  # noqa: ANN401
    """One pass off the event loop: finding and rendering in threads, each attach through
    the writer gate on SQLite (a short write among the requests' writes). A document that
    fails is logged and left due; the others go on."""
    gate = writer_gate(app)
    attached = 0
    for doc in await asyncio.to_thread(_find, app):
        try:
            data = await asyncio.to_thread(doc.render)
            if gate is None:
                file_id = await asyncio.to_thread(_keep, app, doc, data)
            else:
                async with gate:
                    file_id = await asyncio.to_thread(_keep, app, doc, data)
        except Exception:
            log.exception("filing the %s of order %s failed", doc.kind, doc.order_id)
            continue
        attached += file_id is not None
    return attached
