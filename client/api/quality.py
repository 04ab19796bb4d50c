"""Quality control: the technician's deposit (保证金), its top-up through a payment
provider and the return of what it holds above the requirement, and the quality
inspectors' spot checks (list, claim, record the outcome)."""

from __future__ import annotations

from datetime import datetime

from client.api.core import ClientCore
from client.models import CheckRead, DepositRead, PaymentRead


class QualityApi(ClientCore):
    # -- the technician's deposit -------------------------------------------------------

    async def deposit(self) -> DepositRead:
        """What he must hold, what is held, what is missing, and its history."""
        return await self._get("/technician/deposit", model=DepositRead)

    async def top_up_deposit(
        self,
        *,
        amount: int | None = None,
        provider: str = "sandbox",
        method: str = "wechat",
        confirm_large: bool = False,
        idempotency_key: str | None = None,
    ) -> PaymentRead:
        """Open a payment for ``amount`` fen (None: all that is missing); the deposit grows
        when the provider confirms it (the sandbox: ``sandbox_approve``)."""
        body = {
            "amount": amount,
            "provider": provider,
            "method": method,
            "confirm_large": confirm_large,
        }
        path = "/technician/deposit/top-ups"
        return await self._post(path, body, model=PaymentRead, key=idempotency_key)

    async def return_deposit(
        self, *, amount: int | None = None, idempotency_key: str | None = None
    ) -> DepositRead:
        """Take back ``amount`` fen (None: all that is returnable) of what the deposit holds
        above the requirement; it is paid out with his next payout. The new deposit."""
        path = "/technician/deposit/returns"
        return await self._post(path, {"amount": amount}, model=DepositRead, key=idempotency_key)

    # -- quality inspectors -------------------------------------------------------------

    async def inspections(self, *, status: str = "open") -> list[CheckRead]:
        return await self._get_list("/inspections", model=CheckRead, status=status)

    async def inspection(self, check_id: str) -> CheckRead:
        return await self._get(f"/inspections/{check_id}", model=CheckRead)

    async def claim_inspection(
        self, check_id: str, *, idempotency_key: str | None = None
    ) -> CheckRead:
        path = f"/inspections/{check_id}/claim"
        return await self._post(path, {}, model=CheckRead, key=idempotency_key)

    async def record_inspection(
        self,
        check_id: str,
        *,
        result: str,
        method: str,
        findings: str = "",
        redo_start: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> CheckRead:
        """``result`` pass | fail (a failure says what was found); ``method`` call | on_site."""
        body = {
            "result": result,
            "method": method,
            "findings": findings,
            "redo_start": redo_start.isoformat() if redo_start else None,
        }
        path = f"/inspections/{check_id}/outcome"
        return await self._post(path, body, model=CheckRead, key=idempotency_key)
