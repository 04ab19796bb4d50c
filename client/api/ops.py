"""The operators' console (``/ops/*``): technician verification, orders and complaints to
handle, business rules, payouts, the ledger's trial balance, dispatch traces and the
audit log. Used by operator scripts and tests; neither app signs in as staff."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from client.api.core import ClientCore, parse_reply
from client.models import (
    AuditRead,
    ComplaintRead,
    OrderDispatchRead,
    OrderMonitorRead,
    PayoutBatchRead,
    QueueItemRead,
    RulesRead,
    TrialBalanceRead,
)


class OpsApi(ClientCore):
    async def ops_technicians(self, *, status: str | None = None) -> list[QueueItemRead]:
        return await self._get_list("/ops/technicians", model=QueueItemRead, status=status)

    async def ops_verify_technician(
        self,
        technician_id: str,
        *,
        decision: str,
        note: str = "",
        idempotency_key: str | None = None,
    ) -> QueueItemRead:
        path = f"/ops/technicians/{technician_id}/verify"
        body = {"decision": decision, "note": note}
        return await self._post(path, body, model=QueueItemRead, key=idempotency_key)

    async def ops_orders(
        self, *, status: str | None = None, anomaly: str | None = None
    ) -> list[OrderMonitorRead]:
        return await self._get_list(
            "/ops/orders", model=OrderMonitorRead, status=status, anomaly=anomaly
        )

    async def ops_complaints(self, **params: Any) -> list[ComplaintRead]:
        return await self._get_list("/ops/complaints", model=ComplaintRead, **params)

    async def ops_resolve_complaint(
        self, complaint_id: str, *, idempotency_key: str | None = None, **body: Any
    ) -> ComplaintRead:
        path = f"/ops/complaints/{complaint_id}/resolve"
        return await self._post(path, body, model=ComplaintRead, key=idempotency_key)

    async def ops_settings(self) -> RulesRead:
        return await self._get("/ops/settings", model=RulesRead)

    async def ops_update_settings(self, settings: Mapping[str, Any]) -> RulesRead:
        """PUT as given (None values kept: a null setting means "no limit" there)."""
        reply = await self.request("PUT", "/ops/settings", json=dict(settings))
        return parse_reply(RulesRead, reply, "/ops/settings")

    async def ops_run_payouts(
        self, *, idempotency_key: str | None = None, **body: Any
    ) -> PayoutBatchRead:
        path = "/ops/payouts/run"
        return await self._post(path, body, model=PayoutBatchRead, key=idempotency_key)

    async def ops_trial_balance(self) -> TrialBalanceRead:
        return await self._get("/ops/ledger/trial-balance", model=TrialBalanceRead)

    async def ops_dispatch(self, order_id: str) -> OrderDispatchRead:
        return await self._get(f"/ops/dispatch/{order_id}", model=OrderDispatchRead)

    async def ops_audit(self, **params: Any) -> list[AuditRead]:
        return await self._get_list("/ops/audit", model=AuditRead, **params)
