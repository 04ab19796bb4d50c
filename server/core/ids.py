"""Opaque identifiers: a short type prefix plus a ULID (sortable, never sequential)."""

from ulid import ULID


def new_id(prefix: str) -> str:
    return f"{prefix}_{str(ULID()).lower()}"


# Largest integer cursor a client may send (``after``, ``after_seq``): any row id or
# sequence number there will be, and inside every database's 64-bit integers.
CURSOR_MAX = 2**62
