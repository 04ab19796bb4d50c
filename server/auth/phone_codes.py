"""One-time codes that prove a phone number is the caller's before an account is made on it.

Asking for a code answers the same whether the number has an account or not (no one
learns who is registered): an unregistered number gets a code; a registered one gets a
message saying it already has an account, and a code that then fails with ``phone_taken``
only for whoever holds that phone. Codes are 6 digits, live ``CODE_MINUTES``, are kept as
keyed hashes, and burn after ``MAX_ATTEMPTS`` wrong tries; asking is rate-limited per
number (one a minute, five an hour) and per client address (a setting).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlmodel import col, select

from server.auth.models import PhoneCode, PhoneCodeSent, User
from server.auth.sms import SmsProvider
from server.core.clock import as_utc
from server.core.errors import Unprocessable
from server.core.ids import new_id
from server.core.ratelimit import RateLimiter, enforce
from server.core.settings import Settings
from server.core.uow import UnitOfWork

CODE_MINUTES = 10
RESEND_SECONDS = 60
MAX_ATTEMPTS = 5
PER_NUMBER_PER_HOUR = 5


def _hash(settings: Settings, phone_index: str, code: str) -> str:
    return hmac.new(
        settings.secret_key.encode(), f"{phone_index}:{code}".encode(), hashlib.sha256
    ).hexdigest()


def send_code(
    uow: UnitOfWork,
    *,
    phone: str,
    purpose: str,
    sms: SmsProvider,
    limiter: RateLimiter,
    client: str,
) -> PhoneCodeSent:
    """Make a code (earlier ones for the number stop working) and text it."""
    session = uow.session
    cipher = uow.cipher
    clock = uow.clock
    settings = uow.settings
    index = cipher.blind_index(phone)
    enforce(limiter, f"phone-code:resend:{index}", limit=1, window_seconds=RESEND_SECONDS)
    enforce(limiter, f"phone-code:number:{index}", limit=PER_NUMBER_PER_HOUR, window_seconds=3600)
    enforce(
        limiter,
        f"phone-code:client:{client}",
        limit=settings.phone_codes_per_ip_per_hour,
        window_seconds=3600,
    )
    now = clock.now()
    for earlier in session.exec(
        select(PhoneCode).where(
            PhoneCode.phone_index == index,
            PhoneCode.purpose == purpose,
            col(PhoneCode.consumed_at).is_(None),
        )
    ):
        earlier.consumed_at = now
        session.add(earlier)
    code = f"{secrets.randbelow(10**6):06d}"
    session.add(
        PhoneCode(
            id=new_id("pcd"),
            phone_index=index,
            purpose=purpose,
            code_hash=_hash(settings, index, code),
            expires_at=now + timedelta(minutes=CODE_MINUTES),
            created_at=now,
        )
    )
    taken = session.exec(select(User.id).where(User.phone_index == index)).first() is not None
    text = (
        f"【到家】此号码已注册账号，请直接登录。验证码 {code}，{CODE_MINUTES}分钟内有效。"
        if taken
        else f"【到家】验证码 {code}，{CODE_MINUTES}分钟内有效。请勿告诉他人。"
    )
    sms.send(phone=phone, text=text)
    return PhoneCodeSent(
        expires_in=CODE_MINUTES * 60,
        resend_after=RESEND_SECONDS,
        sandbox_code=code if sms.name == "sandbox" else None,
    )


def check_code(
    uow: UnitOfWork,
    *,
    phone: str,
    purpose: str,
    code: str | None,
) -> None:
    """Accept the number's current code once; a wrong try counts (kept even though the
    reply is an error), and the last allowed one burns the code."""
    session = uow.session
    cipher = uow.cipher
    clock = uow.clock
    settings = uow.settings
    if not code:
        raise Unprocessable("enter the code sent to your phone", code="code_required")
    index = cipher.blind_index(phone)
    now = clock.now()
    current = session.exec(
        select(PhoneCode)
        .where(
            PhoneCode.phone_index == index,
            PhoneCode.purpose == purpose,
            col(PhoneCode.consumed_at).is_(None),
        )
        .order_by(col(PhoneCode.created_at).desc())
        .with_for_update()
    ).first()
    if current is None or as_utc(current.expires_at) <= now:
        raise Unprocessable("the code has expired; ask for a new one", code="code_expired")
    if hmac.compare_digest(current.code_hash, _hash(settings, index, code.strip())):
        current.consumed_at = now
        session.add(current)
        return
    current.attempts += 1
    if current.attempts >= MAX_ATTEMPTS:
        current.consumed_at = now
    session.add(current)
    uow.keep()  # the count is kept although the reply is an error
    left = MAX_ATTEMPTS - current.attempts
    raise Unprocessable(
        "wrong code" + ("; ask for a new one" if left <= 0 else ""),
        code="code_invalid",
        details={"attempts_left": max(0, left)},
    )
