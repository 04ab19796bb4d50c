"""Opaque identifiers: a short type prefix plus a ULID (sortable, never sequential)."""

from ulid import ULID


def new_id(prefix: str) -> str:
    return f"{prefix}_{str(ULID()).lower()}"
