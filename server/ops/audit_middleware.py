"""A safety net for the audit log: every successful staff write (under ``/ops`` or
elsewhere, e.g. a support approval of a change request or a staff cancellation) that did
not write its own audit entry is recorded generically (who, method, route, path ids, IP),
and so is every staff read of a record that shows personal data (an order with its exact
address, its chat, a customer's files, support threads).

Domain services record precise entries themselves (``audit_service.record``, with old and
new values); this catches endpoints that don't yet, so no staff change goes unrecorded.
Runs after the response; a failure to record is logged, never turned into an error.
"""

from __future__ import annotations

import logging
from typing import Any

from server.core.db import session_scope
from server.core.errors import AppError
from server.core.security import decode_token
from server.ops import audit as audit_service

log = logging.getLogger("doorstep.ops.audit")
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}
_STAFF = {"operator", "support", "finance", "admin"}
# staff reads outside /ops that show personal data (route templates, without /api/v1)
SENSITIVE_READS = frozenset(
    {
        "/orders/{order_id}",
        "/orders/{order_id}/events",
        "/orders/{order_id}/messages",
        "/orders/{order_id}/contact",
        "/files/{file_id}",
        "/support/messages",
    }
)


class StaffWriteAudit:
    def __init__(self, app, prefix: str = "/api/v1/") -> None:  # noqa: ANN001
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        signed_in = scope["path"].startswith(self.prefix) and _has_bearer(scope)
        write = signed_in and scope["method"] in _WRITES
        read = signed_in and scope["method"] == "GET"
        if not (write or read):
            await self.app(scope, receive, send)
            return
        status: dict[str, int] = {}

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        client = scope.get("client")
        tokens = audit_service.begin_request(client[0] if client else None)
        try:
            await self.app(scope, receive, capture)
        finally:
            recorded = audit_service.end_request(tokens)
        route = getattr(scope.get("route"), "path", "") or ""
        if read and route.removeprefix("/api/v1") not in SENSITIVE_READS:
            return
        if status.get("code", 500) < 400 and not recorded:
            try:
                self._record(scope, status["code"], read=read)
            except Exception:  # the change is done; a missing net entry is logged loudly
                log.exception("could not audit %s %s", scope["method"], scope["path"])

    def _record(self, scope: dict[str, Any], code: int, *, read: bool = False) -> None:
        app = scope["app"]
        auth = dict(scope.get("headers") or []).get(b"authorization", b"").decode()
        if not auth.lower().startswith("bearer "):
            return
        try:
            payload = decode_token(
                auth[7:],
                secret=app.state.settings.secret_key,
                kind="access",
                now=app.state.clock.now(),
            )
        except AppError:
            return
        if payload.get("role") not in _STAFF:  # customers and technicians are not audited
            return
        route = getattr(scope.get("route"), "path", scope["path"])
        params = dict(scope.get("path_params") or {})
        target = next(iter(params.values()), None)
        client = scope.get("client")
        with session_scope(app.state.engine) as session:
            audit_service.record(
                session=session,
                actor=payload["sub"],
                actor_role=payload.get("role"),
                action=f"http.{scope['method'].lower()} {route.removeprefix('/api/v1')}",
                target_type=route.removeprefix("/api/v1")
                .removeprefix("/ops")
                .strip("/")
                .split("/")[0]
                or "ops",
                target_id=str(target) if target is not None else None,
                ip=client[0] if client else None,
                clock=app.state.clock,
                details={"path_params": params, "status": code},
            )
            session.commit()


def _has_bearer(scope: dict[str, Any]) -> bool:
    return any(k == b"authorization" for k, _ in scope.get("headers") or [])
