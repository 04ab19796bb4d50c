"""Photo, certificate and document storage on disk under the data folder.

The type is decided by the file's own bytes (magic numbers), not by what the client
claims, and size is checked while reading so an oversized upload is never kept. Every
file is sealed (AES-GCM, ``FieldCipher.seal``) before it touches the disk: a copied
files folder shows no certificate, home photo or work order with its address. A file
written in clear by an older version is still served, and sealed by ``doorstep privacy
rotate-keys``.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path

from sqlmodel import col, select

from server.auth.models import Role, User
from server.core.crypto import FieldCipher, is_sealed
from server.core.errors import NotFound, PayloadTooLarge, Unprocessable, UnsupportedMediaType
from server.core.ids import new_id
from server.core.uow import UnitOfWork
from server.files import ports
from server.files.models import FileRead, StoredFile

KINDS = {
    "photo": {"image/jpeg", "image/png", "image/webp"},
    "certificate": {"image/jpeg", "image/png", "image/webp", "application/pdf"},
    "document": {"application/pdf"},
}
_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}


def sniff_content_type(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def store(
    uow: UnitOfWork,
    *,
    files_dir: Path,
    owner: User,
    kind: str,
    data: bytes,
    max_bytes: int,
    order_id: str | None = None,
) -> StoredFile:
    """Validate and write a file; adds the row."""
    session = uow.session
    cipher = uow.cipher
    clock = uow.clock
    if kind not in KINDS:
        raise Unprocessable(
            "unknown file kind", code="file_kind_invalid", details={"allowed": sorted(KINDS)}
        )
    if len(data) > max_bytes:
        raise PayloadTooLarge(
            "file too large", code="file_too_large", details={"max_bytes": max_bytes}
        )
    if not data:
        raise Unprocessable("empty file", code="file_empty")
    content_type = sniff_content_type(data[:16])
    if content_type is None or content_type not in KINDS[kind]:
        raise UnsupportedMediaType(
            "this file type is not accepted here",
            code="file_type_not_allowed",
            details={"allowed": sorted(KINDS[kind])},
        )
    file_id = new_id("fil")
    digest = hashlib.sha256(data).hexdigest()
    relative = Path(file_id[4:6]) / f"{file_id}.{_EXTENSIONS[content_type]}"
    target = files_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(cipher.seal(data))
    row = StoredFile(
        id=file_id,
        owner_id=owner.id,
        kind=kind,
        content_type=content_type,
        size=len(data),
        sha256=digest,
        storage_path=relative.as_posix(),
        order_id=order_id,
        created_at=clock.now(),
    )
    session.add(row)
    return row


def read(*, row: StoredFile, files_dir: Path, cipher: FieldCipher) -> bytes:
    blob = (files_dir / row.storage_path).read_bytes()
    return cipher.open_sealed(blob) if is_sealed(blob) else blob


def reseal_all(
    uow: UnitOfWork,
    *,
    files_dir: Path,
) -> int:
    """Seal every stored file that is in clear or under an older key (rotation, and files
    from before sealing). Each is replaced whole (written aside, then renamed)."""
    session = uow.session
    cipher = uow.cipher
    done = 0
    for row in session.exec(select(StoredFile).order_by(col(StoredFile.created_at))).all():
        path = files_dir / row.storage_path
        if not path.exists():
            continue
        blob = path.read_bytes()
        if cipher.sealed_under_primary(blob):
            continue
        clear = cipher.open_sealed(blob) if is_sealed(blob) else blob
        draft = path.with_name(f".{path.name}.{new_id('tmp')}")
        draft.write_bytes(cipher.seal(clear))
        os.replace(draft, path)
        done += 1
    return done


def get(uow: UnitOfWork, *, file_id: str) -> StoredFile:
    session = uow.session
    row = session.get(StoredFile, file_id)
    if row is None:
        raise NotFound("no such file", code="file_not_found")
    return row


def ensure_owned(
    uow: UnitOfWork, *, file_id: str, owner: User, kinds: set[str] | None = None
) -> StoredFile:
    """A client may only attach files it uploaded itself."""
    session = uow.session
    row = session.get(StoredFile, file_id)
    if row is None or row.owner_id != owner.id or (kinds and row.kind not in kinds):
        raise Unprocessable("unknown file", code="file_not_found", details={"file_id": file_id})
    return row


# staff who work with people's own uploads (finance works with money, not photos)
PRIVATE_FILE_STAFF = frozenset({Role.operator, Role.support, Role.admin})
CERTIFICATE_REVIEWERS = frozenset({Role.operator, Role.admin})


def can_read(uow: UnitOfWork, *, row: StoredFile, user: User, now: datetime) -> bool:
    """An order's files (work-order PDF, site and complaint photos, invoice) show the home
    and its address, so they follow the order's address rule: the customer and staff but
    never finance; the technician only from acceptance to the window after completion.
    Certificate scans: their owner and the reviewers. Profile photos: anyone signed in."""
    if row.owner_id == user.id:
        return True
    if row.order_id:
        return ports.order_visible.ask(uow, row.order_id, user, now)
    if row.kind == "certificate":  # an ID number and a face: for those who review it
        return user.role in CERTIFICATE_REVIEWERS
    if user.role in PRIVATE_FILE_STAFF:
        return True
    if row.kind == "photo":
        return ports.public_photo.ask(uow, row.id)
    return False


def to_read(row: StoredFile) -> FileRead:
    return FileRead(**row.model_dump(), url=f"/api/v1/files/{row.id}")
