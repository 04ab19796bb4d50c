"""Secrets of this installation, made on its first start and kept in its data folder.

A server started without ``DOORSTEP_SECRET_KEY`` or ``DOORSTEP_SANDBOX_WEBHOOK_SECRET``
must not fall back to a value printed in the source: anyone could mint an admin token or
sign a "paid" webhook. So the first start writes random ones to
``<data_dir>/secrets.json`` (owner-only), and every later start, worker and command of
the same installation reads them back. Values from the environment always win.

A data folder that already holds a database made before this file existed was
encrypted under the old development key: it keeps that key (its phones, addresses and
tokens stay readable) and is flagged, so the server refuses to listen beyond this
machine until real secrets are configured.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from server.core.settings import Settings

log = logging.getLogger("doorstep.settings")

FILE_NAME = "secrets.json"
GENERATED = ("secret_key", "sandbox_webhook_secret")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def with_install_secrets(settings: Settings, *, development_key: str) -> Settings:
    """``settings`` with every unset secret taken from (or first written to) the data folder."""
    missing = [name for name in GENERATED if not getattr(settings, name)]
    if not missing or settings.env == "prod":  # production brings its own (production_problems)
        return settings
    stored = _load_or_create(
        settings.data_dir / FILE_NAME,
        legacy_database=_legacy_database(settings),
        development_key=development_key,
    )
    return settings.model_copy(update={name: stored[name] for name in missing})


def _legacy_database(settings: Settings) -> bool:
    """An embedded database from before per-install secrets (made under the public key)."""
    return not settings.database_url and (settings.data_dir / "doorstep.db").exists()


def _load_or_create(path: Path, *, legacy_database: bool, development_key: str) -> dict[str, str]:
    if path.exists():
        return _read(path)
    values = {name: secrets.token_urlsafe(32) for name in GENERATED}
    if legacy_database:
        values["secret_key"] = development_key
        log.warning(
            "%s: the existing database was made with the development key, which is kept; set "
            "DOORSTEP_SECRET_KEY and DOORSTEP_ENCRYPTION_KEYS before serving beyond this machine",
            path.parent,
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(values, out)
    try:
        os.link(draft, path)  # published whole, and only if no other process got there first
    except FileExistsError:
        log.info("%s was written by another process of this installation a moment ago", path)
    finally:
        draft.unlink()
    return _read(path)


def _read(path: Path) -> dict[str, str]:
    values = json.loads(path.read_text())
    if not all(isinstance(values.get(name), str) and values[name] for name in GENERATED):
        raise RuntimeError(f"{path} is damaged: it must hold {', '.join(GENERATED)}")
    return values


def refuses_to_listen(host: str, settings: Settings) -> str | None:
    """Why the server must not listen on ``host`` with these settings (None: it may)."""
    if host in LOOPBACK_HOSTS:
        return None
    public = settings.public_secrets()
    if public:
        return (
            f"refusing to listen on {host}: {', '.join(public)} is a development value printed in "
            "the source; set it in the environment (or unset it: this installation makes its own)"
        )
    return None
