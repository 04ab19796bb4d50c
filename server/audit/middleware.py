"""A safety net for the audit log: every successful staff write (under ``/ops`` or
elsewhere, e.g. a support approval of a change request or a staff cancellation) that did
not write its own audit entry is recorded generically (who, method, route, path ids, IP),
and so is every staff read of a record that shows personal data (an order with its exact
address, its chat, a customer's files, support threads).

Domain services record precise entries themselves (``audit_service.record``, with old and
new values); this catches endpoints that don't yet, so no staff change goes unrecorded.
The entry commits with the request's own change (or the read it records), in the same
transaction: a request whose entry cannot be written is not answered as a success.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from server.audit import log as audit_service
from server.core.errors import AppError
from server.core.security import decode_token
from server.core.uow import UnitOfWork

log = logging.getLogger("doorstep.audit")
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}
_STAFF = {"operator", "support", "finance", "admin", "quality_inspector"}
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


class StaffAuditNet:
    """A hook of the unit of work (``server.core.uow_middleware``): the entry is written in
    the request's own transaction, after the reply is ready and before it is sent."""

    def __init__(self, prefix: str = "/api/v1/") -> None:
        self.prefix = prefix

    def staff_role(self, scope: dict[str, Any]) -> str | None:
        """The caller's staff role, from a valid access token; None for everyone else."""
        if not scope["path"].startswith(self.prefix):
            return None
        auth = dict(scope.get("headers") or []).get(b"authorization", b"").decode("latin-1")
        if not auth.lower().startswith("bearer "):
            return None
        app = scope["app"]
        try:
            payload = decode_token(
                auth[7:],
                secret=app.state.settings.secret_key,
                kind="access",
                now=app.state.clock.now(),
            )
        except AppError:
            return None
        role = payload.get("role")
        if role not in _STAFF:  # customers and technicians are not audited
            return None
        scope.setdefault("state", {})["audit_actor"] = (payload["sub"], role)
        return role

    def needs_write(self, scope: dict[str, Any]) -> bool:
        """A staff read may be audited, so it runs in a transaction that may write."""
        return self.staff_role(scope) is not None

    def start(self, scope: dict[str, Any]) -> Any:  # noqa: ANN401
        state = scope.setdefault("state", {})
        if "audit_actor" not in state:
            state["audit_actor"] = None
            self.staff_role(scope)
        client = scope.get("client")
        return audit_service.begin_request(client[0] if client else None)

    def finish(
        self, scope: dict[str, Any], token: Any, status: int
    ) -> Callable[[Any], None] | None:  # noqa: ANN401
        """Called in the request's context once the reply is known: the net entry to add
        to the request's transaction, when the request wrote none itself."""
        recorded = audit_service.end_request(token)
        actor = (scope.get("state") or {}).get("audit_actor")
        if actor is None or recorded or status >= 400:
            return None
        route = getattr(scope.get("route"), "path", "") or ""
        if scope["method"] not in _WRITES and route.removeprefix("/api/v1") not in SENSITIVE_READS:
            return None
        return lambda uow: self._record(scope, actor, status, uow)

    def _record(
        self, scope: dict[str, Any], actor: tuple[str, str], code: int, uow: UnitOfWork
    ) -> None:  # noqa: ANN401
        route = getattr(scope.get("route"), "path", scope["path"])
        params = dict(scope.get("path_params") or {})
        target = next(iter(params.values()), None)
        client = scope.get("client")
        audit_service.record(
            uow,
            actor=actor[0],
            actor_role=actor[1],
            action=f"http.{scope['method'].lower()} {route.removeprefix('/api/v1')}",
            target_type=route.removeprefix("/api/v1").removeprefix("/ops").strip("/").split("/")[0]
            or "ops",
            target_id=str(target) if target is not None else None,
            ip=client[0] if client else None,
            details={"path_params": params, "status": code},
        )
