from __future__ import annotations

from fastapi import File, Form, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from server.auth.dependencies import CipherDep, CurrentUser
from server.core.deps import ClockDep, SettingsDep, UowDep
from server.core.errors import NotFound, PayloadTooLarge
from server.core.routing import api_router
from server.files import ports, service
from server.files.models import FileRead

router = api_router(prefix="/files", tags=["files"])


@router.post("", response_model=FileRead, status_code=201)
async def upload(
    user: CurrentUser,
    uow: UowDep,
    settings: SettingsDep,
    file: UploadFile = File(...),
    kind: str = Form("photo"),
    order_id: str | None = Form(None),
) -> FileRead:
    data = await file.read(settings.upload_max_bytes + 1)
    if len(data) > settings.upload_max_bytes:
        raise PayloadTooLarge(
            "file too large",
            code="file_too_large",
            details={"max_bytes": settings.upload_max_bytes},
        )

    def store() -> FileRead:
        if order_id:
            if not ports.order_participant.ask(uow, order_id, user):
                raise NotFound("order not found", code="order_not_found")
        row = service.store(
            uow,
            files_dir=settings.files_dir,
            owner=user,
            kind=kind,
            data=data,
            max_bytes=settings.upload_max_bytes,
            order_id=order_id,
        )
        return service.to_read(row)

    # Database work off the event loop: a blocking SQLite lock wait here would stall
    # every other request (and whoever holds the lock, if it needs the loop to finish).
    return await run_in_threadpool(store)


@router.get("/{file_id}")
def download(
    file_id: str,
    user: CurrentUser,
    uow: UowDep,
    settings: SettingsDep,
    clock: ClockDep,
    cipher: CipherDep,
) -> Response:
    row = service.get(uow, file_id=file_id)
    if not service.can_read(uow, row=row, user=user, now=clock.now()):
        raise NotFound("no such file", code="file_not_found")  # existence must not leak
    data = service.read(row=row, files_dir=settings.files_dir, cipher=cipher)
    return Response(data, media_type=row.content_type)
