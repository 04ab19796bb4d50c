"""Risk rules (seed 002 §五 反欺诈与风控): flags for human review, login lockout.

- many orders then cancels from one account in a short time → a ``cancel_burst`` flag
  (watched by ``server.ops.cancel_watch``, which reads the orders)
- a technician's complaint rate over the limit → ``complaint_rate`` flag (and the rate
  in the profile, which dispatch reads to give fewer orders)
- contact details typed into chat again and again → a ``contact_sharing`` flag
- N failed sign-ins to an account from one client → that client is locked out of it for
  M minutes, doubling with each lockout in a row (audited)
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from server.audit import log as audit_service
from server.auth.models import User
from server.core.clock import as_utc
from server.core.errors import Conflict, NotFound, TooManyRequests
from server.core.ids import new_id
from server.core.uow import UnitOfWork
from server.risk.models import LoginThrottle, RiskFlag, RiskFlagRead
from server.rules import store as rules_store


def flag(
    uow: UnitOfWork, *, subject_id: str, kind: str, details: dict[str, Any]
) -> RiskFlag | None:
    """Open a flag unless one of this kind is already open for the subject (no commit)."""
    session = uow.session
    clock = uow.clock
    existing = session.exec(
        select(RiskFlag).where(
            RiskFlag.subject_id == subject_id, RiskFlag.kind == kind, RiskFlag.status == "open"
        )
    ).first()
    if existing is not None:
        existing.details = {**existing.details, **details}
        session.add(existing)
        return None
    row = RiskFlag(
        id=new_id("rsk"), subject_id=subject_id, kind=kind, details=details, created_at=clock.now()
    )
    session.add(row)
    audit_service.record(
        uow,
        actor=None,
        action=f"risk.flag.{kind}",
        target_type="user",
        target_id=subject_id,
        details=details,
    )
    return row


def flag_read(row: RiskFlag) -> RiskFlagRead:
    return RiskFlagRead(
        id=row.id,
        subject_id=row.subject_id,
        kind=row.kind,
        details=row.details,
        status=row.status,
        created_at=as_utc(row.created_at),
        reviewed_by=row.reviewed_by,
        reviewed_at=as_utc(row.reviewed_at) if row.reviewed_at else None,
    )


def list_flags(
    uow: UnitOfWork, *, status: str | None = "open", kind: str | None = None
) -> list[RiskFlagRead]:
    session = uow.session
    query = select(RiskFlag)
    if status:
        query = query.where(RiskFlag.status == status)
    if kind:
        query = query.where(RiskFlag.kind == kind)
    return [
        flag_read(r)
        for r in session.exec(query.order_by(col(RiskFlag.created_at).desc()).limit(200)).all()
    ]


def review_flag(
    uow: UnitOfWork, *, user: User, flag_id: str, note: str, ip: str | None
) -> RiskFlagRead:
    session = uow.session
    clock = uow.clock
    row = session.get(RiskFlag, flag_id)
    if row is None:
        raise NotFound("risk flag not found", code="risk_flag_not_found")
    if row.status != "open":
        raise Conflict("already reviewed", code="risk_flag_reviewed")
    row.status, row.reviewed_by, row.reviewed_at = "reviewed", user.id, clock.now()
    session.add(row)
    audit_service.record(
        uow,
        actor=user,
        action="risk.review",
        target_type="risk_flag",
        target_id=row.id,
        ip=ip,
        details={"kind": row.kind, "subject_id": row.subject_id, "note": note},
    )
    return flag_read(row)


# --- contact details in chat ------------------------------------------------------------------


def contact_attempt_window(uow: UnitOfWork) -> timedelta:
    return timedelta(hours=rules_store.current_rules(uow).ops.risk.contact_attempt_window_hours)


def contact_attempts_counted(
    uow: UnitOfWork,
    *,
    user_id: str,
    attempts: int,
    order_id: str | None,
) -> RiskFlag | None:
    """Called by chat after it masked a message; ``attempts`` is the count within the window.

    One masked message may be innocent (a door code that looks like a number); a habit of
    them is how deals are taken off the platform, so a human looks at the account.
    """
    rules = rules_store.current_rules(uow).ops.risk
    if attempts < rules.contact_attempt_count:
        return None
    return flag(
        uow,
        subject_id=user_id,
        kind="contact_sharing",
        details={
            "attempts": attempts,
            "window_hours": rules.contact_attempt_window_hours,
            "last_order_id": order_id,
        },
    )


# --- login lockout -----------------------------------------------------------------------------
MAX_LOCK_MINUTES = 24 * 60


def throttle_key(phone_index: str, client: str) -> str:
    """One account as tried from one client: the unit a lockout applies to, so that
    nobody can lock an account for its owner by failing on purpose."""
    return hashlib.sha256(f"{phone_index}|{client}".encode()).hexdigest()


def ensure_not_locked(
    uow: UnitOfWork,
    *,
    key: str,
) -> None:
    session = uow.session
    clock = uow.clock
    guard = session.get(LoginThrottle, key)
    if guard and guard.locked_until and as_utc(guard.locked_until) > clock.now():
        retry = int((as_utc(guard.locked_until) - clock.now()).total_seconds()) + 1
        raise TooManyRequests(
            "too many failed sign-ins from here; try again later",
            code="account_locked",
            details={"retry_after_seconds": retry},
        )


def login_failed(uow: UnitOfWork, *, key: str, user_id: str | None, ip: str | None) -> bool:
    """Count a failure (kept even though the sign-in is refused); True when this failure
    locked the client out. The row is locked while counting (PostgreSQL); two first
    failures racing to create it are retried once."""
    try:
        return _count_failure(uow, key=key, user_id=user_id, ip=ip)
    except IntegrityError:
        uow.undo()
        return _count_failure(uow, key=key, user_id=user_id, ip=ip)


def lock_minutes(base_minutes: int, lockouts_before: int) -> int:
    """Each lockout in a row twice as long as the one before, up to a day."""
    return min(base_minutes * 2 ** min(lockouts_before, 16), MAX_LOCK_MINUTES)


def _count_failure(uow: UnitOfWork, *, key: str, user_id: str | None, ip: str | None) -> bool:
    session = uow.session
    clock = uow.clock
    rules = rules_store.current_rules(uow).ops.risk
    now = clock.now()
    guard = session.get(LoginThrottle, key, with_for_update=True) or LoginThrottle(key=key)
    window = timedelta(minutes=rules.login_failure_window_minutes)
    if guard.window_start is None or now - as_utc(guard.window_start) > window:
        guard.window_start, guard.failures = now, 0
    guard.failures += 1
    locked = guard.failures >= rules.login_max_failures
    if locked:
        minutes = lock_minutes(rules.login_lock_minutes, guard.lockouts)
        guard.locked_until = now + timedelta(minutes=minutes)
        guard.lockouts += 1
        guard.failures, guard.window_start = 0, None
        if user_id:
            audit_service.record(
                uow,
                actor=None,
                action="auth.lockout",
                target_type="user",
                target_id=user_id,
                ip=ip,
                details={
                    "minutes": minutes,
                    "failures": rules.login_max_failures,
                    "lockouts_in_a_row": guard.lockouts,
                },
            )
            flag(
                uow,
                subject_id=user_id,
                kind="login_lockout",
                details={"locked_until": guard.locked_until.isoformat()},
            )
    session.add(guard)
    uow.keep()
    return locked


def login_succeeded(uow: UnitOfWork, *, key: str) -> None:
    session = uow.session
    guard = session.get(LoginThrottle, key)
    if guard is not None and (guard.failures or guard.lockouts):
        guard.failures, guard.window_start, guard.lockouts = 0, None, 0
        session.add(guard)
