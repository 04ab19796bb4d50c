"""The typed contract between the server and the apps: client/models/ is what the
server's OpenAPI says (regenerated here in memory), and each client method returns the
model of its route's response schema."""

from __future__ import annotations

import importlib.util
import sys
import types
import typing
from pathlib import Path
from typing import Any

import pytest

from client.api import DoorstepClient

ROOT = Path(__file__).resolve().parents[2]
METHODS = {"get", "post", "put", "delete", "patch"}

# client method -> (HTTP method, the route's path as the server's OpenAPI spells it)
ROUTES: dict[str, tuple[str, str]] = {
    "request_phone_code": ("post", "/auth/phone-codes"),
    "register": ("post", "/auth/register"),
    "policies": ("get", "/policies"),
    "login": ("post", "/auth/login"),
    "refresh": ("post", "/auth/refresh"),
    "me": ("get", "/me"),
    "search_places": ("get", "/geo/search"),
    "place_at": ("get", "/geo/reverse"),
    "saved_addresses": ("get", "/me/addresses"),
    "save_address": ("post", "/me/addresses"),
    "update_address": ("put", "/me/addresses/{address_id}"),
    "categories": ("get", "/catalog/categories"),
    "skills": ("get", "/catalog/skills"),
    "certificate_types": ("get", "/catalog/certificate-types"),
    "services": ("get", "/catalog/services"),
    "service": ("get", "/catalog/services/{service_id}"),
    "knowledge": ("get", "/knowledge"),
    "knowledge_article": ("get", "/knowledge/{service_id}"),
    "courses": ("get", "/technician/courses"),
    "course": ("get", "/technician/courses/{course_id}"),
    "study_lesson": ("post", "/technician/courses/{course_id}/study"),
    "take_quiz": ("post", "/technician/courses/{course_id}/quiz"),
    "recommendations": ("get", "/recommendations"),
    "slots": ("get", "/catalog/services/{service_id}/slots"),
    "quote": ("post", "/quotes"),
    "get_quote": ("get", "/quotes/{quote_id}"),
    "create_order": ("post", "/orders"),
    "orders": ("get", "/orders"),
    "order": ("get", "/orders/{order_id}"),
    "order_events": ("get", "/orders/{order_id}/events"),
    "cancellation_quote": ("get", "/orders/{order_id}/cancellation-quote"),
    "contact": ("get", "/orders/{order_id}/contact"),
    "cancel": ("post", "/orders/{order_id}/cancel"),
    "confirm": ("post", "/orders/{order_id}/confirm"),
    "confirm_work_order": ("post", "/orders/{order_id}/work-order/confirm"),
    "review": ("post", "/orders/{order_id}/reviews"),
    "reviews": ("get", "/orders/{order_id}/reviews"),
    "complaint": ("post", "/orders/{order_id}/complaints"),
    "create_change_request": ("post", "/orders/{order_id}/change-requests"),
    "change_requests": ("get", "/orders/{order_id}/change-requests"),
    "approve_change_request": ("post", "/orders/{order_id}/change-requests/{cid}/approve"),
    "reject_change_request": ("post", "/orders/{order_id}/change-requests/{cid}/reject"),
    "request_delay": ("post", "/orders/{order_id}/delay-requests"),
    "delay_requests": ("get", "/orders/{order_id}/delay-requests"),
    "accept_delay": ("post", "/orders/{order_id}/delay-requests/{rid}/accept"),
    "decline_delay": ("post", "/orders/{order_id}/delay-requests/{rid}/decline"),
    "pay": ("post", "/orders/{order_id}/payments"),
    "sandbox_approve": ("post", "/sandbox/payments/{payment_id}/approve"),
    "sandbox_fail": ("post", "/sandbox/payments/{payment_id}/fail"),
    "wallet": ("get", "/me/wallet"),
    "stored_value": ("get", "/me/wallet/balance"),
    "top_up_wallet": ("post", "/me/wallet/top-ups"),
    "claim_coupon": ("post", "/me/coupons/claim"),
    "apply_referral": ("post", "/me/referral"),
    "buy_service_card": ("post", "/me/service-cards"),
    "invoice": ("get", "/orders/{order_id}/invoice"),
    "request_invoice": ("post", "/orders/{order_id}/invoice"),
    "offers": ("get", "/technician/offers"),
    "accept_offer": ("post", "/technician/offers/{offer_id}/accept"),
    "decline_offer": ("post", "/technician/offers/{offer_id}/decline"),
    "pool": ("get", "/technician/pool"),
    "claim": ("post", "/orders/{order_id}/claim"),
    "depart": ("post", "/orders/{order_id}/depart"),
    "arrive": ("post", "/orders/{order_id}/arrive"),
    "start": ("post", "/orders/{order_id}/start"),
    "finish": ("post", "/orders/{order_id}/finish"),
    "transfer": ("post", "/orders/{order_id}/transfer"),
    "sop_done": ("post", "/orders/{order_id}/sop/{step_no}/done"),
    "send_location": ("post", "/technician/location"),
    "sos": ("post", "/sos"),
    "profile": ("get", "/technician/profile"),
    "update_profile": ("put", "/technician/profile"),
    "availability": ("get", "/technician/availability"),
    "set_availability": ("put", "/technician/availability"),
    "service_area": ("get", "/technician/service-area"),
    "set_service_area": ("put", "/technician/service-area"),
    "set_status": ("put", "/technician/status"),
    "certificates": ("get", "/technician/certificates"),
    "add_certificate": ("post", "/technician/certificates"),
    "earnings": ("get", "/technician/earnings"),
    "analytics": ("get", "/technician/analytics"),
    "customer_note": ("get", "/technician/customers/by-order/{order_id}/note"),
    "save_customer_note": ("put", "/technician/customers/by-order/{order_id}/note"),
    "follow_ups": ("get", "/technician/follow-ups"),
    "mall_items": ("get", "/mall/items"),
    "redeem_mall_item": ("post", "/me/mall/redemptions"),
    "mall_redemptions": ("get", "/me/mall/redemptions"),
    "family": ("get", "/me/family"),
    "invite_to_family": ("post", "/me/family/invitations"),
    "accept_family_invitation": ("post", "/me/family/invitations/{invitation_id}/accept"),
    "decline_family_invitation": ("post", "/me/family/invitations/{invitation_id}/decline"),
    "withdraw_family_invitation": ("post", "/me/family/invitations/{invitation_id}/withdraw"),
    "remove_family_member": ("post", "/me/family/members/{member_id}/remove"),
    "set_family_cap": ("put", "/me/family/members/{member_id}/cap"),
    "leave_family": ("post", "/me/family/leave"),
    "family_allowance": ("get", "/me/family/allowance"),
    "schedule": ("get", "/technician/schedule"),
    "withdraw": ("post", "/technician/withdrawals"),
    "deposit": ("get", "/technician/deposit"),
    "top_up_deposit": ("post", "/technician/deposit/top-ups"),
    "return_deposit": ("post", "/technician/deposit/returns"),
    "inspections": ("get", "/inspections"),
    "inspection": ("get", "/inspections/{check_id}"),
    "claim_inspection": ("post", "/inspections/{check_id}/claim"),
    "record_inspection": ("post", "/inspections/{check_id}/outcome"),
    "public_technician": ("get", "/technicians/{technician_id}"),
    "technician_reviews": ("get", "/technicians/{technician_id}/reviews"),
    "technician_complaints": ("get", "/technician/complaints"),
    "reply_complaint": ("post", "/technician/complaints/{complaint_id}/answer"),
    "upload": ("post", "/files"),
    "send_message": ("post", "/orders/{order_id}/messages"),
    "messages": ("get", "/orders/{order_id}/messages"),
    "send_support_message": ("post", "/support/messages"),
    "support_messages": ("get", "/support/messages"),
    "notifications": ("get", "/me/notifications"),
    "read_notification": ("post", "/me/notifications/{notification_id}/read"),
    "read_all_notifications": ("post", "/me/notifications/read-all"),
    "unread_notifications": ("get", "/me/notifications/unread"),
    "notification_preferences": ("get", "/me/notification-preferences"),
    "save_notification_preferences": ("put", "/me/notification-preferences"),
    "ops_technicians": ("get", "/ops/technicians"),
    "ops_verify_technician": ("post", "/ops/technicians/{technician_id}/verify"),
    "ops_orders": ("get", "/ops/orders"),
    "ops_complaints": ("get", "/ops/complaints"),
    "ops_resolve_complaint": ("post", "/ops/complaints/{complaint_id}/resolve"),
    "ops_settings": ("get", "/ops/settings"),
    "ops_update_settings": ("put", "/ops/settings"),
    "ops_run_payouts": ("post", "/ops/payouts/run"),
    "ops_trial_balance": ("get", "/ops/ledger/trial-balance"),
    "ops_dispatch": ("get", "/ops/dispatch/{order_id}"),
    "ops_audit": ("get", "/ops/audit"),
}
# Client methods whose reply is not a model of the API: no JSON body, or not under /api/v1.
UNTYPED = {"logout", "delete_address", "download", "healthz", "request", "aclose", "ws_url"}


def _load_script() -> types.ModuleType:
    """scripts/client_models.py, the generator the Makefile runs (scripts/ is no package)."""
    spec = importlib.util.spec_from_file_location(
        "client_models", ROOT / "scripts/client_models.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("client_models", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script() -> types.ModuleType:
    return _load_script()


@pytest.fixture(scope="module")
def openapi(script: types.ModuleType) -> dict[str, Any]:
    return script.server_openapi()


def _reply_schema(spec: dict[str, Any], method: str, path: str) -> str:
    """The route's success reply as a name: ``OrderRead`` or ``list[OrderRead]``."""
    operation = spec["paths"]["/api/v1" + path][method]
    codes = [c for c in operation["responses"] if c.startswith("2")]
    assert len(codes) == 1, f"{method.upper()} {path}: one success reply expected"
    content = operation["responses"][codes[0]].get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    if schema.get("type") == "array":
        return f"list[{schema['items'].get('$ref', '?').rsplit('/', 1)[-1]}]"
    return schema.get("$ref", "untyped").rsplit("/", 1)[-1]


def _declared(name: str) -> str:
    """The client method's declared return model, spelled like :func:`_reply_schema`."""
    returned = typing.get_type_hints(getattr(DoorstepClient, name))["return"]
    if typing.get_origin(returned) is list:
        return f"list[{typing.get_args(returned)[0].__name__}]"
    return getattr(returned, "__name__", repr(returned))


def test_client_models_match_the_server(script: types.ModuleType, openapi: dict) -> None:
    folder = ROOT / "client" / "models"
    committed = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.py")}
    assert script.render(openapi, script.schema_domains()) == committed, (
        "client/models/ differs from the server's OpenAPI: run make client-models"
    )


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_each_client_method_returns_its_routes_model(name: str, openapi: dict) -> None:
    method, path = ROUTES[name]
    assert _declared(name) == _reply_schema(openapi, method, path)


def test_every_endpoint_method_is_in_the_table() -> None:
    """A new client method is added to ROUTES (or to UNTYPED, saying why)."""
    public = {
        n
        for n in dir(DoorstepClient)
        if not n.startswith("_") and callable(getattr(DoorstepClient, n))
    }
    assert public - set(ROUTES) - UNTYPED == set()
