"""The operators' console (``/ops/*``): technician verification, orders and complaints to
handle, business rules, payouts, the ledger's trial balance, dispatch traces and the
audit log. Used by operator scripts and tests; neither app signs in as staff."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from client.api.core import ClientCore
from client.api.session import JSON


class OpsApi(ClientCore):
    async def ops_technicians(self, *, status: str | None = None) -> list[JSON]:
        return await self._get("/ops/technicians", status=status)

    async def ops_verify_technician(
        self,
        technician_id: str,
        *,
        decision: str,
        note: str = "",
        idempotency_key: str | None = None,
    ) -> JSON:
        path = f"/ops/technicians/{technician_id}/verify"
        return await self._post(path, {"decision": decision, "note": note}, key=idempotency_key)

    async def ops_orders(
        self, *, status: str | None = None, anomaly: str | None = None
    ) -> list[JSON]:
        return await self._get("/ops/orders", status=status, anomaly=anomaly)

    async def ops_complaints(self, **params: Any) -> list[JSON]:
        return await self._get("/ops/complaints", **params)

    async def ops_resolve_complaint(
        self, complaint_id: str, *, idempotency_key: str | None = None, **body: Any
    ) -> JSON:
        return await self._post(
            f"/ops/complaints/{complaint_id}/resolve", body, key=idempotency_key
        )

    async def ops_settings(self) -> JSON:
        return await self._get("/ops/settings")

    async def ops_update_settings(self, settings: Mapping[str, Any]) -> JSON:
        return await self.request("PUT", "/ops/settings", json=dict(settings))

    async def ops_run_payouts(self, *, idempotency_key: str | None = None, **body: Any) -> JSON:
        return await self._post("/ops/payouts/run", body, key=idempotency_key)

    async def ops_trial_balance(self) -> JSON:
        return await self._get("/ops/ledger/trial-balance")

    async def ops_dispatch(self, order_id: str) -> Any:
        return await self._get(f"/ops/dispatch/{order_id}")

    async def ops_audit(self, **params: Any) -> Any:
        return await self._get("/ops/audit", **params)
