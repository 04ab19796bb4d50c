"""What ratings and complaints both need: the photos attached as evidence."""

from __future__ import annotations

from server.auth.models import User
from server.core.uow import UnitOfWork
from server.files import service as files_service


def attachments(uow: UnitOfWork, user: User, file_ids: list[str]) -> list[str]:
    for file_id in file_ids:
        files_service.ensure_owned(uow, file_id=file_id, owner=user, kinds={"photo"})
    return list(dict.fromkeys(file_ids))
