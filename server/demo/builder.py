"""The demo builder's base: the state one seed run carries (session, clock, the city, the
seeded random generator, districts and compounds) and the two things every part of the
district needs, an account with a shared password hashed once and a stored file (the
solid-colour PNGs of ``png_bytes``).
"""

from __future__ import annotations

import random
import struct
import zlib
from typing import Any
from zoneinfo import ZoneInfo

from server.auth.models import Role, User
from server.core.security import hash_password
from server.core.uow import UnitOfWork
from server.files import service as files_service
from server.flows import accounts


def png_bytes(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A small solid-colour PNG (avatars and certificate scans of the demo)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return (
            struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
        )

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


class DemoBuilder:
    """One seed run's state; the parts of the district are mixins over it (``seed._Builder``)."""

    def __init__(
        self,
        uow: UnitOfWork,
        *,
        city: dict[str, Any],
        rng: random.Random,
        tz: ZoneInfo,
    ) -> None:
        self.uow = uow
        self.session = uow.session
        self.cipher = uow.cipher
        self.settings = uow.settings
        self.city = city
        self.seed = city["demo_seed"]
        self.rng = rng
        self.tz = tz
        self.now = uow.clock.now()
        self.today = self.now.astimezone(tz).date()
        self.districts = {d["code"]: d for d in city["districts"]}
        self.compounds: dict[str, list[dict[str, Any]]] = {}
        for compound in city["residential_compounds"]:
            self.compounds.setdefault(compound["district"], []).append(compound)
        self.certificate_count = 0
        self._hashes: dict[str, str] = {}

    def _user(self, *, role: Role, name: str, phone: str, password: str) -> User:
        if password not in self._hashes:  # argon2 is slow on purpose: once per shared password
            self._hashes[password] = hash_password(password)
        return accounts.open_account(
            self.uow,
            phone=phone,
            password=password,
            name=name,
            role=role,
            password_hash=self._hashes[password],
        )

    def _file(self, owner: User, kind: str, data: bytes, order_id: str | None = None) -> str:
        row = files_service.store(
            self.uow,
            files_dir=self.settings.files_dir,
            owner=owner,
            kind=kind,
            data=data,
            max_bytes=self.settings.upload_max_bytes,
            order_id=order_id,
        )
        return row.id
