"""The app's own storage: a small JSON file for what the server does not keep (the
language, the signed-in session, places saved while offline)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path
from typing import Any, Protocol

from customer_app.model import JSON

log = logging.getLogger("customer_app.state")


class LocalStore:
    """A small JSON file for what the server does not keep: saved places, language,
    the signed-in session. One file per app install; entries per user id."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.data: JSON = {}
        if path is not None and path.exists():
            try:
                self.data = json.loads(path.read_text("utf-8"))
            except (OSError, ValueError) as exc:
                log.warning("ignoring unreadable app storage %s: %s", path, exc)
                self.data = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def put(self, key: str, value: Any) -> None:
        """Write one key; re-read first so several app sessions sharing the file (the
        web app serves many browsers from one process) keep each other's entries."""
        if self.path is not None and self.path.exists():
            with contextlib.suppress(OSError, ValueError):
                self.data = json.loads(self.path.read_text("utf-8"))
        self.data[key] = value
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.data, ensure_ascii=False, indent=1), "utf-8")
            tmp.replace(self.path)


def default_store_path() -> Path:
    base = os.environ.get("FLET_APP_STORAGE_DATA") or os.environ.get("DOORSTEP_CUSTOMER_DATA")
    root = Path(base) if base else Path.home() / ".doorstep"
    return root / "customer_app.json"


class SessionKeeper(Protocol):
    """Where the signed-in session survives the app: a desktop's file, a browser's local
    storage (the web build serves many browsers from one process, so each keeps its own)."""

    async def load(self) -> JSON | None: ...

    async def save(self, session: JSON | None) -> None: ...


class FileSessionKeeper:
    """The session in the install's ``LocalStore`` (one install, one person)."""

    def __init__(self, store: LocalStore) -> None:
        self.store = store

    async def load(self) -> JSON | None:
        saved = self.store.get("session")
        return saved if isinstance(saved, dict) else None

    async def save(self, session: JSON | None) -> None:
        self.store.put("session", session)
