"""Passwords (argon2) and tokens (JWT access + refresh)."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from server.core.errors import Unauthorized
from server.core.ids import new_id

ALGORITHM = "HS256"
# argon2's RFC 9106 low-memory profile (64 MiB, 3 passes): about 0.15 s a hash on purpose
_hashers = {"current": PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)}


def use_cheapest_password_hashing() -> None:
    """For test runs only: hash new passwords at argon2's cheapest cost, so thousands of
    sign-ups take seconds rather than minutes. A hash carries its own cost, so a password
    hashed either way verifies either way."""
    _hashers["current"] = PasswordHasher.from_parameters(profiles.CHEAPEST)


def hash_password(password: str) -> str:
    return _hashers["current"].hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hashers["current"].verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def make_token(
    *,
    secret: str,
    subject: str,
    role: str,
    kind: str,
    now: datetime,
    ttl: timedelta,
    jti: str | None = None,
    claims: dict[str, Any] | None = None,
) -> str:
    payload = {
        **(claims or {}),
        "sub": subject,
        "role": role,
        "typ": kind,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "jti": jti or new_id("tok"),
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


@functools.lru_cache(maxsize=4096)
def _verified_claims(token: str, secret: str) -> tuple[tuple[str, Any], ...]:
    """The claims of a token whose signature holds (no time checks). PyJWT costs about
    0.2 ms per decode and a request names its token several times (idempotency scope,
    audit, the user): the signature is checked once per token and process."""
    payload = jwt.decode(
        token,
        secret,
        algorithms=[ALGORITHM],
        options={
            "verify_exp": False,
            "verify_iat": False,
            "verify_nbf": False,
            "require": ["exp", "sub", "typ"],
        },
    )
    return tuple(payload.items())


def signed_claims(token: str, secret: str) -> dict[str, Any]:
    """A token's claims when its signature holds; raises ``jwt.PyJWTError`` otherwise."""
    return dict(_verified_claims(token, secret))


def decode_token(token: str, *, secret: str, kind: str, now: datetime) -> dict[str, Any]:
    """Decode and check a token; time is checked against the injected clock."""
    try:
        payload = signed_claims(token, secret)
    except jwt.PyJWTError as exc:
        raise Unauthorized("invalid token", code="invalid_token") from exc
    if payload.get("typ") != kind:
        raise Unauthorized("wrong token type", code="invalid_token")
    if int(payload["exp"]) <= int(now.timestamp()):
        raise Unauthorized("token expired", code="token_expired")
    return payload
