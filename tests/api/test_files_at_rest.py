"""Stored files are sealed on disk: a copied files folder shows no photo, certificate or
work order; the owner downloads exactly what was uploaded; files from before sealing are
still served and sealed by the rotation command, which also re-seals under a new key."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from sqlmodel import Session

from server.core.crypto import FieldCipher, is_sealed
from server.core.uow import Parts, UnitOfWork
from server.files import service as files_service
from server.files.models import StoredFile
from tests.unit_of_work import unit_of_work

MARK = b"DOOR-CODE-4321#"
PNG = b"\x89PNG\r\n\x1a\n" + MARK * 20


def _upload(api, user: dict) -> str:  # noqa: ANN001
    r = api.post(
        "/files", user, files={"file": ("a.png", PNG, "image/png")}, data={"kind": "photo"}
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _path(api, file_id: str) -> Path:  # noqa: ANN001
    with Session(api.app.state.engine) as s:
        return api.app.state.settings.files_dir / s.get(StoredFile, file_id).storage_path


def test_a_file_is_sealed_on_disk_and_served_as_uploaded(api):
    customer = api.register("customer")
    file_id = _upload(api, customer)
    on_disk = _path(api, file_id).read_bytes()
    assert is_sealed(on_disk) and MARK not in on_disk and b"PNG" not in on_disk
    r = api.get(f"/files/{file_id}", customer)
    assert r.status_code == 200 and r.content == PNG and r.headers["content-type"] == "image/png"


def test_files_from_before_sealing_are_served_and_sealed_by_the_rotation(api):
    customer = api.register("customer")
    file_id = _upload(api, customer)
    path = _path(api, file_id)
    path.write_bytes(PNG)  # as an older version wrote it
    assert api.get(f"/files/{file_id}", customer).content == PNG
    app = api.app
    with unit_of_work(app) as uow:
        assert files_service.reseal_all(uow, files_dir=app.state.settings.files_dir) == 1
        assert (
            files_service.reseal_all(uow, files_dir=app.state.settings.files_dir) == 0
        )  # nothing left to do
    assert MARK not in path.read_bytes() and api.get(f"/files/{file_id}", customer).content == PNG

    # a new key first, the old (derived) one after it: the rotation re-seals under the new
    settings = app.state.settings
    old_key = hashlib.sha256(("enc:" + settings.secret_key).encode()).digest()
    keys = ",".join(base64.urlsafe_b64encode(k).decode() for k in (os.urandom(32), old_key))
    rotated = FieldCipher.from_settings(keys, settings.secret_key)
    assert not rotated.sealed_under_primary(path.read_bytes())
    under_rotated = Parts(
        engine=app.state.engine,
        clock=app.state.clock,
        cipher=rotated,
        settings=settings,
        jobs=app.state.jobs,
    )
    with UnitOfWork.begin(under_rotated) as uow:  # the rotation runs with the new keys
        assert files_service.reseal_all(uow, files_dir=settings.files_dir) == 1
    assert rotated.sealed_under_primary(path.read_bytes())
    assert rotated.open_sealed(path.read_bytes()) == PNG
