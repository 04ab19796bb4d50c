"""The audit log's hash chain (pure: no database, no clock).

Each entry's hash covers its own canonical content plus the previous entry's hash,
so changing, removing or reordering any stored entry breaks every hash after it.
``verify`` walks a sequence of entries and reports the first one that does not fit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64

# the fields an entry's hash covers, in this order
HASHED_FIELDS = (
    "seq",
    "id",
    "at",
    "actor_id",
    "actor_role",
    "action",
    "target_type",
    "target_id",
    "ip",
    "details",
)


def _canonical_time(value: Any) -> Any:
    if isinstance(value, datetime):
        # naive values (SQLite) are UTC; drop the offset so both forms hash alike
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return value


def canonical(entry: Mapping[str, Any]) -> str:
    body = {name: _canonical_time(entry.get(name)) for name in HASHED_FIELDS}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def entry_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + "\n" + canonical(entry)).encode()).hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""
    head: str = GENESIS


def verify(entries: Iterable[Mapping[str, Any]], *, expect_head: str | None = None) -> VerifyResult:
    """Entries in seq order, each with ``prev_hash`` and ``hash`` beside the hashed fields.

    The chain alone cannot show that its newest entries were dropped; pass a head hash
    kept elsewhere (printed by every ``doorstep audit verify``) as ``expect_head`` and
    the chain must still contain it.
    """
    seen_head = expect_head is None
    prev = GENESIS
    expected_seq = 1
    checked = 0
    for entry in entries:
        seq = entry.get("seq")
        if seq != expected_seq:
            return VerifyResult(
                False,
                checked,
                seq if isinstance(seq, int) else None,
                f"sequence gap: expected {expected_seq}, found {seq}",
            )
        if entry.get("prev_hash") != prev:
            return VerifyResult(
                False, checked, seq, "previous hash does not match the entry before"
            )
        if entry_hash(prev, entry) != entry.get("hash"):
            return VerifyResult(False, checked, seq, "entry content does not match its hash")
        prev = entry["hash"]
        seen_head = seen_head or prev == expect_head
        expected_seq += 1
        checked += 1
    if not seen_head:
        return VerifyResult(
            False, checked, None, "the expected head hash is not in the chain (entries removed?)"
        )
    return VerifyResult(True, checked, head=prev)
