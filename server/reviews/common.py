"""What ratings and complaints both need: the photos attached as evidence, and the payments
domain's service (escrow freeze and release, refunds).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from sqlmodel import Session

from server.auth.models import User
from server.files import service as files_service


def _payments() -> ModuleType:
    """The payments domain's service (escrow freeze, refunds); imported late (cycle)."""
    return importlib.import_module("server.payments.service")


def attachments(session: Session, user: User, file_ids: list[str]) -> list[str]:
    for file_id in file_ids:
        files_service.ensure_owned(session=session, file_id=file_id, owner=user, kinds={"photo"})
    return list(dict.fromkeys(file_ids))
