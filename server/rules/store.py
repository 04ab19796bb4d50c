"""Versioned business rules (and, with the ops issue, the operators' console)."""

from __future__ import annotations

import math
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from server.audit import log as audit_service
from server.auth.models import User
from server.core.clock import as_utc
from server.core.errors import Conflict, Unprocessable
from server.core.uow import UnitOfWork
from server.rules.book import Rules
from server.rules.models import RulesHistoryItem, RulesRead, RulesVersion

_cache: dict[tuple, Rules] = {}  # validated documents by (version, when, who); () the defaults
_MEMO = "ops.rules_in_force"  # session.info key: (transaction, the rules it read)


def _latest(session: Session) -> RulesVersion | None:
    return session.exec(
        select(RulesVersion).order_by(col(RulesVersion.version).desc()).limit(1)
    ).first()


# the newest version's key; one statement object, as building it costs more than running it
_HEAD = (
    select(RulesVersion.version, RulesVersion.changed_at, RulesVersion.changed_by)
    .order_by(col(RulesVersion.version).desc())
    .limit(1)
)


def current_rules_versioned(uow: UnitOfWork) -> tuple[int, Rules]:
    """The rules in force. Read once per transaction (kept in ``session.info``), and the
    stored document is parsed once per process and version: a request asks for the
    newest version's key, not for its whole document."""
    session = uow.session
    transaction = session.get_transaction()
    memo = session.info.get(_MEMO)
    if memo is not None and transaction is not None and memo[0] is transaction:
        return memo[1]
    head = session.execute(_HEAD).first()
    if head is None:  # never edited: the defaults, validated once
        rules = _cache.get(())
        if rules is None:
            rules = _cache[()] = Rules()
        memo = (0, rules)
    else:
        key = (head[0], as_utc(head[1]).isoformat(), head[2])
        rules = _cache.get(key)
        if rules is None:
            row = session.get(RulesVersion, head[0])
            assert row is not None
            rules = _cache[key] = Rules.model_validate(row.data)
        memo = (head[0], rules)
    session.info[_MEMO] = (session.get_transaction(), memo)
    return memo


def current_rules(uow: UnitOfWork) -> Rules:
    return current_rules_versioned(uow)[1]


def read_rules(uow: UnitOfWork) -> RulesRead:
    session = uow.session
    row = _latest(session)
    version, rules = current_rules_versioned(uow)
    return RulesRead(
        version=version,
        rules=rules.model_dump(mode="json"),
        changed_by=row.changed_by if row else None,
        changed_at=row.changed_at if row else None,
        note=row.note if row else "",
    )


def merged_rules(current: Rules, data: dict[str, Any]) -> Rules:
    """``data`` (a partial rule book) over ``current``, validated whole: a 422
    ``rules_invalid`` listing what is wrong, a misspelt key included (it would otherwise be
    dropped silently)."""
    merged = _deep_merge(current.model_dump(mode="json"), data)
    try:
        rules = Rules.model_validate(merged)
    except ValidationError as exc:
        errors = [{"loc": [str(p) for p in e["loc"]], "msg": e["msg"]} for e in exc.errors()]
        raise Unprocessable(
            "the rules are not valid", code="rules_invalid", details={"errors": errors}
        ) from exc
    stored = rules.model_dump(mode="json")
    errors = [
        {"loc": path.split("."), "msg": "unknown setting"} for path in _unknown_paths(data, stored)
    ] + [{"loc": path.split("."), "msg": "not a finite number"} for path in _non_finite(data)]
    if errors:
        raise Unprocessable(
            "the rules are not valid", code="rules_invalid", details={"errors": errors}
        )
    return rules


def update_rules(
    uow: UnitOfWork,
    *,
    user: User,
    data: dict[str, Any],
    expected_version: int | None,
    note: str,
    ip: str | None = None,
) -> RulesVersion:
    """Store a new version (validated whole). Returns it."""
    session = uow.session
    clock = uow.clock
    version, current = current_rules_versioned(uow)
    if expected_version is not None and expected_version != version:
        raise Conflict("the rules changed meanwhile", code="conflict", details={"version": version})
    stored = merged_rules(current, data).model_dump(mode="json")
    row = RulesVersion(
        version=version + 1,
        data=stored,
        changed_by=user.id,
        changed_at=clock.now(),
        note=note,
    )
    session.add(row)
    session.info.pop(_MEMO, None)
    try:
        session.flush()
    except IntegrityError as exc:
        uow.undo()
        raise Conflict("the rules changed meanwhile", code="conflict") from exc
    changes = diff(current.model_dump(mode="json"), row.data)
    audit_service.record(
        uow,
        actor=user,
        action="settings.update",
        target_type="rules",
        target_id=str(row.version),
        ip=ip,
        details={
            "from_version": version,
            "to_version": row.version,
            "note": note,
            "changes": changes,
        },
    )
    return row


def _unknown_paths(submitted: Any, stored: Any, path: str = "") -> list[str]:
    """Keys of the submitted document that the validated rules do not keep."""
    if not isinstance(submitted, dict):
        return []
    out: list[str] = []
    for key, value in submitted.items():
        here = f"{path}.{key}" if path else str(key)
        if not isinstance(stored, dict) or key not in stored:
            out.append(here)
        else:
            out.extend(_unknown_paths(value, stored[key], here))
    return out


def _non_finite(value: Any, path: str = "") -> list[str]:
    """Paths holding NaN or infinity (JSON bodies may carry them; scores would become NaN)."""
    if isinstance(value, float):
        return [] if math.isfinite(value) else [path]
    if isinstance(value, dict):
        return [
            p for k, v in value.items() for p in _non_finite(v, f"{path}.{k}" if path else str(k))
        ]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _non_finite(v, f"{path}.{i}")]
    return []


def diff(old: Any, new: Any, path: str = "") -> list[dict[str, Any]]:
    """Leaf-level differences between two rules documents: [{path, old, new}]."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[dict[str, Any]] = []
        for key in sorted(set(old) | set(new)):
            out.extend(diff(old.get(key), new.get(key), f"{path}.{key}" if path else key))
        return out
    if old != new:
        return [{"path": path, "old": old, "new": new}]
    return []


def history(uow: UnitOfWork, *, limit: int = 50) -> list[RulesHistoryItem]:
    """Every version, newest first, with what changed from the one before."""
    session = uow.session
    rows = list(
        session.exec(
            select(RulesVersion)
            .order_by(col(RulesVersion.version).desc())
            .limit(max(1, min(limit, 500)) + 1)
        ).all()
    )
    items = []
    for i, row in enumerate(rows[: max(1, min(limit, 500))]):
        before = rows[i + 1].data if i + 1 < len(rows) else Rules().model_dump(mode="json")
        items.append(
            RulesHistoryItem(
                version=row.version,
                changed_by=row.changed_by,
                changed_at=as_utc(row.changed_at),
                note=row.note,
                changes=diff(before, row.data),
            )
        )
    return items


def _deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out
