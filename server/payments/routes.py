from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Query, Request
from pydantic import AwareDatetime

from server.auth.dependencies import (
    CurrentUser,
    CustomerUser,
    FinanceUser,
    TechnicianUser,
    require_roles,
)
from server.auth.models import Role, User
from server.core.deps import ClockDep, SettingsDep, UowDep
from server.core.errors import NotFound, Unprocessable
from server.core.routing import api_router
from server.core.uow import UnitOfWork
from server.orders import service as orders_service
from server.payments import service
from server.payments.analytics import AnalyticsRead, analytics
from server.payments.models import (
    CancellationQuoteRead,
    EarningsRead,
    EscrowRead,
    InvoiceIn,
    InvoiceRead,
    JournalEntryRead,
    PaymentCreate,
    PaymentRead,
    PayoutBatchRead,
    PayoutLineRead,
    SandboxSettleRead,
    TrialBalanceRead,
    WebhookAck,
    WithdrawalIn,
    WithdrawalRead,
)
from server.payments.wallet import StoredValueRead, WalletTopUpIn

router = api_router(tags=["payments"])
# The paying customer (record check in the service), finance and admins.
PaymentReader = Annotated[User, Depends(require_roles(Role.customer, Role.finance, Role.admin))]


@router.post("/orders/{order_id}/payments", response_model=PaymentRead, status_code=201)
def create_payment(order_id: str, body: PaymentCreate, user: CustomerUser, uow: UowDep) -> dict:
    payment = service.create_payment(uow, order_id=order_id, user=user, body=body)
    return {
        "payment_id": payment.id,
        "checkout": payment.checkout,
        **service.to_read(payment).model_dump(),
    }


@router.get("/me/wallet/balance", response_model=StoredValueRead)
def my_stored_value(user: CustomerUser, uow: UowDep) -> StoredValueRead:
    """储值余额: the caller's own balance, its limits and history (``/me/wallet`` is his
    points, coupons and cards)."""
    return service.stored_value(uow, user=user)


@router.post("/me/wallet/top-ups", response_model=PaymentRead, status_code=201)
def top_up_wallet(body: WalletTopUpIn, user: CustomerUser, uow: UowDep) -> PaymentRead:
    """A checkout with the provider; its webhook credits the balance."""
    return service.to_read(service.wallet_top_up(uow, user=user, body=body))


@router.get("/orders/{order_id}/payments", response_model=list[PaymentRead])
def list_payments(order_id: str, user: PaymentReader, uow: UowDep) -> list[PaymentRead]:
    return [service.to_read(p) for p in service.list_for_order(uow, order_id=order_id, user=user)]


@router.get("/payments/{payment_id}", response_model=PaymentRead)
def get_payment(payment_id: str, user: PaymentReader, uow: UowDep) -> PaymentRead:
    """The paying customer, finance and admins; support and operators see orders, not money."""
    return service.to_read(service.get_payment_for(uow, payment_id=payment_id, user=user))


@router.post("/payments/webhooks/{provider}", response_model=WebhookAck)
async def webhook(provider: str, request: Request) -> WebhookAck:
    """Signed by the provider; the only write that takes no user token."""
    from starlette.concurrency import run_in_threadpool

    body = await request.body()
    app = request.app

    def handle() -> str:
        with UnitOfWork.begin(app.state) as uow:
            return service.handle_webhook(
                uow, provider_name=provider, body=body, headers=dict(request.headers)
            )

    outcome = await run_in_threadpool(handle)
    return WebhookAck(received=True, outcome=outcome)


def _sandbox(settle: bool):  # noqa: ANN202
    def endpoint(
        payment_id: str,
        user: CurrentUser,
        uow: UowDep,
        settings: SettingsDep,
        deliveries: int = Query(default=1, ge=1, le=3),
    ) -> dict:
        if not settings.sandbox_payments:
            raise NotFound("not found", code="not_found")
        outcomes = service.sandbox_settle(
            uow, payment_id=payment_id, user=user, succeed=settle, deliveries=deliveries
        )
        payment = service.own_payment(uow, payment_id=payment_id, user=user)
        return {"payment": service.to_read(payment).model_dump(), "webhook_outcomes": outcomes}

    endpoint.__name__ = "sandbox_approve" if settle else "sandbox_fail"
    return endpoint


router.add_api_route(
    "/sandbox/payments/{payment_id}/approve",
    _sandbox(True),
    methods=["POST"],
    response_model=SandboxSettleRead,
    summary="Sandbox: the customer approves; a signed webhook is delivered",
)
router.add_api_route(
    "/sandbox/payments/{payment_id}/fail",
    _sandbox(False),
    methods=["POST"],
    response_model=SandboxSettleRead,
    summary="Sandbox: the customer declines; a signed webhook is delivered",
)


@router.get("/orders/{order_id}/cancellation-quote", response_model=CancellationQuoteRead)
def cancellation_quote(order_id: str, user: CurrentUser, uow: UowDep) -> CancellationQuoteRead:
    if user.role == Role.technician.value:
        raise NotFound("order not found", code="order_not_found")
    return service.cancellation_quote(uow, order_id=order_id, user=user)


@router.get("/orders/{order_id}/escrow", response_model=EscrowRead)
def escrow(order_id: str, user: CurrentUser, uow: UowDep) -> EscrowRead:

    order = orders_service.get_for(uow, order_id=order_id, user=user)
    if user.role == Role.technician.value:
        raise NotFound("order not found", code="order_not_found")
    return EscrowRead(**service.escrow_state(uow, order_id=order.id))


# --- finance ---------------------------------------------------------------------------------


@router.get("/ops/ledger/trial-balance", response_model=TrialBalanceRead)
def trial_balance(user: FinanceUser, uow: UowDep) -> TrialBalanceRead:
    return TrialBalanceRead(**service.trial_balance(uow))


@router.get("/ops/ledger/orders/{order_id}", response_model=list[JournalEntryRead])
def order_entries(order_id: str, user: FinanceUser, uow: UowDep) -> list[JournalEntryRead]:
    return [JournalEntryRead(**e) for e in service.entries_for_order(uow, order_id=order_id)]


def _batch_read(uow, batch) -> PayoutBatchRead:  # noqa: ANN001
    lines = service.batch_lines(uow, batch_id=batch.id)
    return PayoutBatchRead(
        id=batch.id,
        cutoff=batch.cutoff,
        total=batch.total,
        lines_count=batch.lines_count,
        created_at=batch.created_at,
        scheduled_for=batch.scheduled_for,
        lines=[PayoutLineRead(technician_id=ln.technician_id, amount=ln.amount) for ln in lines],
    )


@router.post("/ops/payouts/run", response_model=PayoutBatchRead, status_code=201)
def run_payouts(user: FinanceUser, uow: UowDep, settings: SettingsDep) -> PayoutBatchRead:
    return _batch_read(
        uow,
        service.run_payouts(uow, user=user, timezone=settings.timezone),
    )


@router.get("/ops/payouts", response_model=list[PayoutBatchRead])
def list_payouts(user: FinanceUser, uow: UowDep) -> list[PayoutBatchRead]:
    return [_batch_read(uow, b) for b in service.list_batches(uow)]


# --- technicians ------------------------------------------------------------------------------


@router.post("/technician/withdrawals", response_model=WithdrawalRead, status_code=201)
def withdraw(
    body: WithdrawalIn, user: TechnicianUser, uow: UowDep, settings: SettingsDep
) -> WithdrawalRead:
    w = service.request_withdrawal(
        uow,
        technician=user,
        amount=body.amount,
        bank_account=body.bank_account,
        timezone=settings.timezone,
    )
    return WithdrawalRead(**w.model_dump())


@router.get("/technician/earnings", response_model=EarningsRead)
def technician_earnings(
    user: TechnicianUser,
    uow: UowDep,
    clock: ClockDep,
    settings: SettingsDep,
    start: AwareDatetime | None = Query(default=None, alias="from"),
    end: AwareDatetime | None = Query(default=None, alias="to"),
) -> EarningsRead:
    end = end or clock.now() + timedelta(seconds=1)
    start = start or end - timedelta(days=30)
    if start >= end or end - start > timedelta(days=366):
        raise Unprocessable("choose a period of at most a year", code="period_invalid")
    return EarningsRead(
        **service.earnings(uow, technician=user, start=start, end=end, timezone=settings.timezone)
    )


@router.get("/technician/analytics", response_model=AnalyticsRead)
def technician_analytics(
    user: TechnicianUser,
    uow: UowDep,
    settings: SettingsDep,
    by: str = Query(default="day", description="day (14 days), week (12 weeks) or month (6)"),
) -> AnalyticsRead:
    return analytics(uow, technician=user, by=by, timezone=settings.timezone)


@router.get("/technician/payouts")
def technician_payouts(
    user: TechnicianUser, uow: UowDep, clock: ClockDep, settings: SettingsDep
) -> list[dict]:
    now = clock.now()
    data = service.earnings(
        uow,
        technician=user,
        start=now - timedelta(days=366),
        end=now + timedelta(seconds=1),
        timezone=settings.timezone,
    )
    return data["payouts"]


# --- invoices ---------------------------------------------------------------------------------


def _invoice_read(invoice) -> InvoiceRead:  # noqa: ANN001
    file_url = f"/api/v1/files/{invoice.file_id}" if invoice.file_id else None
    return InvoiceRead(**invoice.model_dump(exclude={"tax_rate_bp"}), file_url=file_url)


@router.post("/orders/{order_id}/invoice", response_model=InvoiceRead, status_code=201)
def create_invoice(order_id: str, body: InvoiceIn, user: CustomerUser, uow: UowDep) -> InvoiceRead:
    invoice = service.create_invoice(
        uow, order_id=order_id, user=user, title=body.title, tax_id=body.tax_id, email=body.email
    )
    return _invoice_read(invoice)


@router.get("/orders/{order_id}/invoice", response_model=InvoiceRead)
def get_invoice(order_id: str, user: CurrentUser, uow: UowDep) -> InvoiceRead:
    return _invoice_read(service.get_invoice(uow, order_id=order_id, user=user))
