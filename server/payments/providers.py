"""Payment providers behind one interface.

``create`` opens a charge and returns what the app shows (a redirect URL or a QR
payload); the provider later tells us the outcome in a signed webhook; ``refund`` sends
money back; ``query`` asks for a charge's status (reconciliation). The bundled
``sandbox`` provider keeps its own book (``SandboxCharge``) and signs its webhooks with
HMAC-SHA256 like a real one, so the whole flow runs offline. An adapter for WeChat Pay,
Alipay or Stripe implements the same four methods plus ``verify_webhook`` (each
provider's own signature scheme) and is registered in ``PROVIDERS``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from server.core.ids import new_id
from server.core.uow import UnitOfWork
from server.payments.models import SandboxCharge

SIGNATURE_HEADER = "doorstep-signature"
SIGNATURE_TOLERANCE_S = 300


class ProviderError(Exception):
    def __init__(self, message: str, code: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status_code = status_code


@dataclass(frozen=True)
class Checkout:
    provider_ref: str
    action: dict[str, Any]  # {"type": "redirect", "url": ...} or {"type": "qr", "payload": ...}


@dataclass(frozen=True)
class ProviderRefund:
    provider_ref: str
    status: str  # succeeded | failed


@dataclass(frozen=True)
class WebhookEventIn:
    event_id: str
    type: str  # payment.succeeded | payment.failed
    provider_ref: str
    payment_id: str
    amount: int


class PaymentProvider(Protocol):
    name: str

    def create(
        self, uow: UnitOfWork, *, payment_id: str, amount: int, method: str, now: datetime
    ) -> Checkout: ...

    def verify_webhook(
        self, *, body: bytes, headers: dict[str, str], now: datetime
    ) -> WebhookEventIn: ...

    def refund(
        self, uow: UnitOfWork, *, provider_ref: str, amount: int, now: datetime
    ) -> ProviderRefund: ...

    def query(self, uow: UnitOfWork, *, provider_ref: str) -> str: ...


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(secret: str, body: bytes, header: str | None, now: datetime) -> None:
    if not header:
        raise ProviderError("missing signature", "signature_missing", 401)
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError as exc:
        raise ProviderError("bad signature", "signature_invalid", 401) from exc
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    given = parts.get("v1", "")
    # compare_digest refuses non-ASCII text with a TypeError: such a header is just wrong.
    if not given.isascii() or not hmac.compare_digest(expected, given):
        raise ProviderError("bad signature", "signature_invalid", 401)
    if abs(now.timestamp() - timestamp) > SIGNATURE_TOLERANCE_S:
        raise ProviderError("signature too old", "signature_expired", 401)


class SandboxProvider:
    """Behaves like a real provider: charges start pending and end succeeded or failed
    when the (simulated) customer approves or declines; outcomes arrive as signed
    webhooks, possibly twice or late; refunds never exceed what was charged."""

    name = "sandbox"

    def __init__(self, secret: str) -> None:
        self.secret = secret

    def create(
        self, uow: UnitOfWork, *, payment_id: str, amount: int, method: str, now: datetime
    ) -> Checkout:
        session = uow.session
        ref = new_id("sbx")
        session.add(SandboxCharge(ref=ref, payment_id=payment_id, amount=amount, created_at=now))
        base = f"/api/v1/sandbox/payments/{payment_id}"
        if method in ("wechat", "alipay"):
            action = {
                "type": "qr",
                "payload": f"sandbox://pay/{ref}",
                "approve_url": f"{base}/approve",
                "fail_url": f"{base}/fail",
            }
        else:
            action = {"type": "redirect", "url": f"{base}/approve", "fail_url": f"{base}/fail"}
        return Checkout(provider_ref=ref, action=action)

    def settle(self, uow: UnitOfWork, *, provider_ref: str, succeed: bool) -> SandboxCharge:
        """The customer approved (or declined) on the provider's page."""
        session = uow.session
        charge = session.get(SandboxCharge, provider_ref)
        if charge is None:
            raise ProviderError("no such charge", "charge_not_found", 404)
        if charge.status == "pending":
            charge.status = "succeeded" if succeed else "failed"
            session.add(charge)
        return charge

    def event_for(self, charge: SandboxCharge, *, event_id: str | None = None) -> bytes:
        body = {
            "id": event_id or new_id("evt"),
            "type": "payment.succeeded" if charge.status == "succeeded" else "payment.failed",
            "data": {
                "provider_ref": charge.ref,
                "payment_id": charge.payment_id,
                "amount": charge.amount,
            },
        }
        return json.dumps(body, separators=(",", ":")).encode()

    def signed_headers(self, body: bytes, now: datetime) -> dict[str, str]:
        return {SIGNATURE_HEADER: sign(self.secret, body, int(now.timestamp()))}

    def verify_webhook(
        self, *, body: bytes, headers: dict[str, str], now: datetime
    ) -> WebhookEventIn:
        verify_signature(self.secret, body, headers.get(SIGNATURE_HEADER), now)
        try:
            data = json.loads(body)
            return WebhookEventIn(
                event_id=str(data["id"]),
                type=str(data["type"]),
                provider_ref=str(data["data"]["provider_ref"]),
                payment_id=str(data["data"]["payment_id"]),
                amount=int(data["data"]["amount"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderError("malformed event", "webhook_malformed", 400) from exc

    def refund(
        self, uow: UnitOfWork, *, provider_ref: str, amount: int, now: datetime
    ) -> ProviderRefund:
        session = uow.session
        charge = session.get(SandboxCharge, provider_ref)
        if charge is None or charge.status != "succeeded":
            raise ProviderError("the charge cannot be refunded", "charge_not_refundable", 409)
        if amount <= 0 or charge.refunded + amount > charge.amount:
            raise ProviderError("refund larger than the charge", "refund_exceeds_payment", 409)
        charge.refunded += amount
        session.add(charge)
        return ProviderRefund(provider_ref=new_id("sbr"), status="succeeded")

    def query(self, uow: UnitOfWork, *, provider_ref: str) -> str:
        session = uow.session
        charge = session.get(SandboxCharge, provider_ref)
        return charge.status if charge else "unknown"


def provider_for(name: str, settings) -> PaymentProvider:  # noqa: ANN001
    if name == "sandbox" and settings.sandbox_payments:
        return SandboxProvider(settings.sandbox_webhook_secret)
    raise ProviderError(f"unknown payment provider {name!r}", "provider_unknown", 422)


PROVIDERS = ("sandbox",)
