"""Passwords (argon2) and tokens (JWT access + refresh)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.core.errors import Unauthorized
from server.core.ids import new_id

_hasher = PasswordHasher()
ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def make_token(
    *, secret: str, subject: str, role: str, kind: str, now: datetime, ttl: timedelta
) -> str:
    payload = {
        "sub": subject,
        "role": role,
        "typ": kind,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "jti": new_id("tok"),
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def decode_token(token: str, *, secret: str, kind: str, now: datetime) -> dict[str, Any]:
    """Decode and check a token; time is checked against the injected clock."""
    try:
        payload = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"verify_exp": False, "verify_iat": False, "verify_nbf": False, "require": ["exp", "sub", "typ"]}
        )
    except jwt.PyJWTError as exc:
        raise Unauthorized("invalid token", code="invalid_token") from exc
    if payload.get("typ") != kind:
        raise Unauthorized("wrong token type", code="invalid_token")
    if int(payload["exp"]) <= int(now.timestamp()):
        raise Unauthorized("token expired", code="token_expired")
    return payload
