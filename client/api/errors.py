"""What the client raises: the server's refusals (:class:`ApiError`, with the machine-readable
``code`` of the server's ``{"error": {...}}`` shape) apart from a missing answer
(:class:`NetworkError`), so an offline queue can tell "no signal" (keep and retry) from
"refused" (show the technician, never drop)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from pydantic import ValidationError


class DoorstepError(Exception):
    """Base of every error this client raises."""


class ApiError(DoorstepError):
    """The server answered with an error reply (4xx/5xx)."""

    def __init__(
        self, status: int, code: str, message: str = "", details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}" if message else f"{status} {code}")
        self.status = status
        self.code = code
        self.message = message or code
        self.details: dict[str, Any] = dict(details or {})

    @property
    def retryable(self) -> bool:
        """Server-side trouble (5xx, 429) may pass; a 4xx refusal will not."""
        return self.status >= 500 or self.status == 429

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        code, message = f"http_{response.status_code}", response.reason_phrase or ""
        details: dict[str, Any] = {}
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            err = body.get("error")
            if isinstance(err, dict):
                code = str(err.get("code") or code)
                message = str(err.get("message") or message)
                raw_details = err.get("details")
                details = raw_details if isinstance(raw_details, dict) else {}
            elif isinstance(body.get("detail"), str):
                message = body["detail"]
        return cls(response.status_code, code, message, details)


class NetworkError(DoorstepError):
    """The request did not get an answer (no signal, server down, timeout).

    ``maybe_delivered`` is False when the connection was never made (the server cannot
    have acted) and True when it broke after the request was sent: replay it with the
    same idempotency key.
    """

    def __init__(self, message: str, *, maybe_delivered: bool) -> None:
        super().__init__(message)
        self.maybe_delivered = maybe_delivered


class BadReplyError(ApiError):
    """The server answered, but not with what this client's models say (``bad_reply``):
    usually an app older than the server. The request itself may well have been done, so
    replaying it would not help: it is not retryable."""

    def __init__(self, where: str, expected: str, error: ValidationError | None) -> None:
        problems = error.errors(include_url=False, include_context=False) if error else []
        super().__init__(
            502,
            "bad_reply",
            f"the server's reply to {where} is not a {expected}",
            {"path": where, "expected": expected, "errors": problems},
        )

    @property
    def retryable(self) -> bool:
        return False
