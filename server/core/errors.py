"""One error shape for every 4xx/5xx reply (ARCHITECTURE.md §2).

``{"error": {"code": "order_not_cancellable", "message": "...", "details": {...}}}``
Services raise ``AppError`` subclasses; handlers here turn them (and FastAPI's own
validation and HTTP errors) into that shape. Unexpected exceptions become a 500 with
the request id and no stack trace.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from server.core.db import is_busy

log = logging.getLogger("doorstep.errors")


class AppError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message or self.code)
        self.message = message or self.code.replace("_", " ")
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code
        self.details = details or {}


class BadRequest(AppError):
    status_code = 400
    code = "bad_request"


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class Gone(AppError):
    status_code = 410
    code = "gone"


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(AppError):
    status_code = 415
    code = "unsupported_media_type"


class Unprocessable(AppError):
    status_code = 422
    code = "validation_error"


def known_filter(value: str | None, known: tuple[str, ...] | list[str], *, code: str) -> str | None:
    """A filter's value checked against its vocabulary: an unknown one is a 422 that names
    the known ones, never an empty list that reads as "there are none". Empty: no filter."""
    if value and value not in known:
        raise Unprocessable(
            "unknown filter value", code=code, details={"unknown": value, "known": list(known)}
        )
    return value or None


class TooManyRequests(AppError):
    status_code = 429
    code = "rate_limited"


# A database too busy to answer in time: the one reply, wherever the wait ran out.
BUSY_STATUS, BUSY_CODE, BUSY_MESSAGE = 503, "busy", "the service is busy; retry shortly"
BUSY_HEADERS = {"Retry-After": "1"}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


class ErrorDetail(BaseModel):
    code: str  # machine-readable: what a client branches on
    message: str  # for people
    details: dict[str, Any] = {}


class ErrorReply(BaseModel):
    """Every error reply, 422 included (FastAPI's own ``{"detail": [...]}`` is never sent)."""

    error: ErrorDetail


def describe_errors_truly(app: FastAPI) -> None:
    """Make the OpenAPI document say what a 422 really carries: FastAPI declares its own
    ``HTTPValidationError`` for every operation; here that name is given the one error shape."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            if "HTTPValidationError" in components:
                reply = ErrorReply.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(reply.pop("$defs", {}))
                components["HTTPValidationError"] = reply
                components.pop("ValidationError", None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def install_error_handlers(app: FastAPI) -> None:
    describe_errors_truly(app)

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        headers = (
            {"Retry-After": str(exc.details["retry_after"])}
            if "retry_after" in exc.details
            else None
        )
        return JSONResponse(
            error_body(exc.code, exc.message, _json_safe(exc.details)),
            status_code=exc.status_code,
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": e.get("type", ""),
            }
            for e in exc.errors()
        ]
        if errors and all(e["type"] == "timezone_aware" for e in errors):
            # one code for a time given without its offset, wherever it was given
            body = error_body(
                "time_without_offset", "times need an offset (Z or +08:00)", {"errors": errors}
            )
        else:
            body = error_body("validation_error", "the request is not valid", {"errors": errors})
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}
        code = codes.get(exc.status_code, f"http_{exc.status_code}")
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(DataError)
    async def _data_error(request: Request, exc: DataError) -> JSONResponse:
        # The database refused a value the validators let through (e.g. a NUL byte in
        # text on PostgreSQL): the input is bad, and the transaction is rolled back.
        return JSONResponse(
            error_body("invalid_data", "the request holds a value the store cannot keep"),
            status_code=422,
        )

    @app.exception_handler(IntegrityError)
    async def _integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
        # A unique or foreign-key rule refused the write: another request got there first
        # (two taps on the same step, two claims). The transaction is rolled back; the
        # caller reloads and sees the current state, as after a lost optimistic lock.
        # (Logged without the database's message: it may quote the refused values.)
        log.info(
            "integrity conflict on %s %s",
            request.method,
            request.url.path,
            extra={"request_id": getattr(request.state, "request_id", "")},
        )
        return JSONResponse(
            error_body("conflict", "someone else changed this at the same time; reload and retry"),
            status_code=409,
        )

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _database_busy(request: Request, exc: Exception) -> JSONResponse:
        # A lock or a pool wait ran out, or the database chose this transaction as a
        # deadlock or serialization victim: nothing was written, a retry will do.
        if not is_busy(exc):
            return await _unexpected(request, exc)
        log.warning("database busy on %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body(BUSY_CODE, BUSY_MESSAGE),
            status_code=BUSY_STATUS,
            headers=BUSY_HEADERS,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        request_id = getattr(request.state, "request_id", "")
        log.exception("unhandled error", extra={"request_id": request_id})
        return JSONResponse(
            error_body(
                "internal_error", "something went wrong on our side", {"request_id": request_id}
            ),
            status_code=500,
        )
