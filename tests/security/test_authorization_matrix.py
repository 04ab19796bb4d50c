"""Authorization matrix across every endpoint and role, generated from the app's routes:
an endpoint without an entry here fails, so a new endpoint must state who may call it.

The role check is what this matrix covers (401 / 403 ``role_forbidden`` for a role that
may not call the endpoint at all); record-level checks (someone else's order → 404) are
tested per domain.
"""

from __future__ import annotations

import re

ROLES = (
    "anonymous",
    "customer",
    "technician",
    "operator",
    "support",
    "finance",
    "admin",
    "quality_inspector",
)
PUBLIC = frozenset(ROLES)
SIGNED_IN = PUBLIC - {"anonymous"}
CUSTOMER = frozenset({"customer"})
TECHNICIAN = frozenset({"technician"})
STAFF = frozenset({"operator", "support", "admin"})
OPERATOR = frozenset({"operator", "admin"})
FINANCE = frozenset({"finance", "admin"})
ADMIN = frozenset({"admin"})
DASHBOARD = frozenset({"operator", "finance", "admin"})
INSPECTOR = frozenset({"quality_inspector", "admin"})
SUPPORT_CHAT = frozenset({"customer", "operator", "support", "admin"})
# Payments: the paying customer (record check: another's is 404) and finance; support and
# operators see orders, not money (ARCHITECTURE.md §3).
PAYMENT_READERS = CUSTOMER | FINANCE

EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("POST", "/auth/register"): PUBLIC,
    ("GET", "/policies"): PUBLIC,
    ("POST", "/auth/login"): PUBLIC,
    ("POST", "/auth/refresh"): PUBLIC,
    ("POST", "/auth/logout"): PUBLIC,  # the refresh token in the body is the credential
    ("POST", "/auth/phone-codes"): PUBLIC,
    ("GET", "/me"): SIGNED_IN,
    ("GET", "/catalog/categories"): PUBLIC,
    ("GET", "/catalog/skills"): PUBLIC,
    ("GET", "/catalog/certificate-types"): PUBLIC,
    ("GET", "/catalog/services"): PUBLIC,
    ("GET", "/catalog/services/{service_id}"): PUBLIC,
    ("GET", "/catalog/services/{service_id}/slots"): PUBLIC,
    # training material for the platform's workers (faults' fixes, safety notes)
    ("GET", "/knowledge"): TECHNICIAN | STAFF,
    ("GET", "/knowledge/{service_id}"): TECHNICIAN | STAFF,
    ("GET", "/technician/courses"): TECHNICIAN,
    ("GET", "/technician/courses/{course_id}"): TECHNICIAN,
    ("POST", "/technician/courses/{course_id}/study"): TECHNICIAN,
    ("POST", "/technician/courses/{course_id}/quiz"): TECHNICIAN,
    ("GET", "/recommendations"): PUBLIC,
    ("POST", "/files"): SIGNED_IN,
    ("GET", "/files/{file_id}"): SIGNED_IN,
    # inspectors reach the orders they check through their checks, and list none
    ("GET", "/orders"): SIGNED_IN - {"quality_inspector"},
    ("POST", "/orders"): CUSTOMER,
    ("GET", "/orders/{order_id}"): SIGNED_IN,
    ("GET", "/orders/{order_id}/events"): SIGNED_IN,
    ("POST", "/orders/{order_id}/cancel"): SIGNED_IN,
    ("POST", "/orders/{order_id}/confirm"): CUSTOMER,
    ("POST", "/orders/{order_id}/depart"): TECHNICIAN,
    ("POST", "/orders/{order_id}/arrive"): TECHNICIAN,
    ("POST", "/orders/{order_id}/start"): TECHNICIAN,
    ("POST", "/orders/{order_id}/finish"): TECHNICIAN,
    ("POST", "/orders/{order_id}/transfer"): TECHNICIAN,
    ("POST", "/orders/{order_id}/sop/{step_no}/done"): TECHNICIAN,
    ("POST", "/orders/{order_id}/work-order/confirm"): SIGNED_IN,
    ("POST", "/quotes"): CUSTOMER,
    ("GET", "/quotes/{quote_id}"): CUSTOMER,
    ("GET", "/me/wallet"): CUSTOMER,
    ("GET", "/me/wallet/balance"): CUSTOMER,
    ("POST", "/me/wallet/top-ups"): CUSTOMER,
    ("POST", "/me/coupons/claim"): CUSTOMER,
    ("POST", "/me/referral"): CUSTOMER,
    ("GET", "/service-cards/products"): PUBLIC,
    ("POST", "/me/service-cards"): CUSTOMER,
    ("GET", "/ops/coupon-campaigns"): OPERATOR,
    ("POST", "/ops/coupon-campaigns"): OPERATOR,
    ("GET", "/orders/{order_id}/change-requests"): SIGNED_IN,
    ("POST", "/orders/{order_id}/change-requests"): TECHNICIAN,
    ("POST", "/orders/{order_id}/change-requests/{cid}/approve"): CUSTOMER,
    ("POST", "/orders/{order_id}/change-requests/{cid}/reject"): CUSTOMER,
    ("POST", "/orders/{order_id}/change-requests/{cid}/support-approve"): STAFF,
    ("GET", "/orders/{order_id}/delay-requests"): SIGNED_IN,
    ("POST", "/orders/{order_id}/delay-requests"): TECHNICIAN,
    ("POST", "/orders/{order_id}/delay-requests/{rid}/accept"): CUSTOMER,
    ("POST", "/orders/{order_id}/delay-requests/{rid}/decline"): CUSTOMER,
    ("GET", "/orders/{order_id}/payments"): PAYMENT_READERS,
    ("POST", "/orders/{order_id}/payments"): CUSTOMER,
    ("GET", "/payments/{payment_id}"): PAYMENT_READERS,
    ("POST", "/payments/webhooks/{provider}"): PUBLIC,
    ("POST", "/sandbox/payments/{payment_id}/approve"): SIGNED_IN,
    ("POST", "/sandbox/payments/{payment_id}/fail"): SIGNED_IN,
    ("GET", "/orders/{order_id}/cancellation-quote"): SIGNED_IN,
    ("GET", "/orders/{order_id}/escrow"): SIGNED_IN,
    ("GET", "/ops/ledger/trial-balance"): FINANCE,
    ("GET", "/ops/ledger/orders/{order_id}"): FINANCE,
    ("POST", "/ops/payouts/run"): FINANCE,
    ("GET", "/ops/payouts"): FINANCE,
    ("POST", "/technician/withdrawals"): TECHNICIAN,
    ("GET", "/technician/earnings"): TECHNICIAN,
    ("GET", "/technician/analytics"): TECHNICIAN,
    ("GET", "/technician/customers/by-order/{order_id}/note"): TECHNICIAN,
    ("PUT", "/technician/customers/by-order/{order_id}/note"): TECHNICIAN,
    ("GET", "/technician/follow-ups"): TECHNICIAN,
    ("GET", "/mall/items"): PUBLIC,
    ("POST", "/me/mall/redemptions"): CUSTOMER,
    ("GET", "/me/mall/redemptions"): CUSTOMER,
    ("GET", "/me/family"): CUSTOMER,
    ("POST", "/me/family/invitations"): CUSTOMER,
    ("POST", "/me/family/invitations/{invitation_id}/accept"): CUSTOMER,
    ("POST", "/me/family/invitations/{invitation_id}/decline"): CUSTOMER,
    ("POST", "/me/family/invitations/{invitation_id}/withdraw"): CUSTOMER,
    ("POST", "/me/family/members/{member_id}/remove"): CUSTOMER,
    ("PUT", "/me/family/members/{member_id}/cap"): CUSTOMER,
    ("POST", "/me/family/leave"): CUSTOMER,
    ("GET", "/me/family/allowance"): CUSTOMER,
    ("GET", "/ops/mall/redemptions"): STAFF,
    ("POST", "/ops/mall/redemptions/{redemption_id}/ship"): STAFF,
    ("GET", "/technician/payouts"): TECHNICIAN,
    ("GET", "/technician/deposit"): TECHNICIAN,
    ("POST", "/technician/deposit/top-ups"): TECHNICIAN,
    ("POST", "/technician/deposit/returns"): TECHNICIAN,
    ("GET", "/inspections"): INSPECTOR,
    ("GET", "/inspections/{check_id}"): INSPECTOR,
    ("POST", "/inspections/{check_id}/claim"): INSPECTOR,
    ("POST", "/inspections/{check_id}/outcome"): INSPECTOR,
    ("GET", "/ops/quality/checks"): STAFF,
    ("GET", "/ops/quality/deposits"): DASHBOARD,  # money: operators, finance, admins
    ("GET", "/ops/quality/deposits/{technician_id}"): DASHBOARD,
    ("POST", "/ops/quality/deposits/reassess"): OPERATOR,
    ("GET", "/geo/search"): SIGNED_IN,
    ("GET", "/geo/reverse"): SIGNED_IN,
    ("GET", "/me/addresses"): CUSTOMER,
    ("POST", "/me/addresses"): CUSTOMER,
    ("PUT", "/me/addresses/{address_id}"): CUSTOMER,
    ("DELETE", "/me/addresses/{address_id}"): CUSTOMER,
    ("GET", "/orders/{order_id}/invoice"): SIGNED_IN,
    ("POST", "/orders/{order_id}/invoice"): CUSTOMER,
    ("GET", "/ops/settings"): STAFF,
    ("PUT", "/ops/settings"): OPERATOR,
    ("GET", "/ops/settings/history"): STAFF,
    ("GET", "/ops/audit"): ADMIN,
    ("GET", "/ops/audit/verify"): ADMIN,
    ("GET", "/ops/orders"): STAFF,
    ("GET", "/ops/anomalies"): STAFF,
    ("GET", "/ops/jobs"): STAFF,
    ("POST", "/ops/dispatch/replays"): OPERATOR,
    ("GET", "/ops/dispatch/replays/{replay_id}"): OPERATOR,
    ("GET", "/ops/dispatch/replays/{replay_id}/chart.png"): OPERATOR,
    ("GET", "/ops/alerts"): STAFF,
    ("POST", "/ops/alerts/{alert_id}/handle"): STAFF,
    ("GET", "/ops/risk/flags"): STAFF,
    ("POST", "/ops/risk/flags/{flag_id}/review"): OPERATOR,
    ("POST", "/ops/certificates/expire"): OPERATOR,
    ("GET", "/ops/dashboard/summary"): DASHBOARD,
    ("GET", "/ops/dashboard/orders-per-hour"): DASHBOARD,
    ("GET", "/ops/dashboard/gmv"): DASHBOARD,
    ("GET", "/ops/dashboard/acceptance"): DASHBOARD,
    ("GET", "/ops/dashboard/on-time"): DASHBOARD,
    ("GET", "/ops/dashboard/complaints"): DASHBOARD,
    ("GET", "/ops/dashboard/technicians"): DASHBOARD,
    ("GET", "/technician/profile"): TECHNICIAN,
    ("PUT", "/technician/profile"): TECHNICIAN,
    ("GET", "/technician/availability"): TECHNICIAN,
    ("PUT", "/technician/availability"): TECHNICIAN,
    ("GET", "/technician/service-area"): TECHNICIAN,
    ("PUT", "/technician/service-area"): TECHNICIAN,
    ("GET", "/technician/certificates"): TECHNICIAN,
    ("POST", "/technician/certificates"): TECHNICIAN,
    ("GET", "/technician/certificates/{certificate_id}"): TECHNICIAN,
    ("PUT", "/technician/status"): TECHNICIAN,
    ("GET", "/technicians/{technician_id}"): SIGNED_IN,
    ("GET", "/ops/technicians"): STAFF,
    ("GET", "/ops/technicians/{technician_id}"): STAFF,
    ("POST", "/ops/technicians/{technician_id}/verify"): OPERATOR,
    ("POST", "/ops/technicians/{technician_id}/certificates/{certificate_id}/review"): OPERATOR,
    ("POST", "/ops/technicians/{technician_id}/suspend"): OPERATOR,
    ("POST", "/ops/technicians/{technician_id}/reinstate"): OPERATOR,
    ("POST", "/ops/technicians/{technician_id}/level"): OPERATOR,
    ("POST", "/technician/location"): TECHNICIAN,
    ("GET", "/orders/{order_id}/messages"): SIGNED_IN,
    ("POST", "/orders/{order_id}/messages"): SIGNED_IN,
    ("GET", "/support/messages"): SUPPORT_CHAT,
    ("POST", "/support/messages"): SUPPORT_CHAT,
    ("POST", "/sos"): SIGNED_IN,
    ("GET", "/me/notifications"): SIGNED_IN,
    ("POST", "/me/notifications/{notification_id}/read"): SIGNED_IN,
    ("GET", "/me/notifications/unread"): SIGNED_IN,
    ("POST", "/me/notifications/read-all"): SIGNED_IN,
    # 通知设置: the app users' own (staff hear what their work needs)
    ("GET", "/me/notification-preferences"): CUSTOMER | TECHNICIAN,
    ("PUT", "/me/notification-preferences"): CUSTOMER | TECHNICIAN,
    ("GET", "/ops/notifications/deliveries"): STAFF,
    ("POST", "/ops/notifications/check"): OPERATOR,
    ("GET", "/orders/{order_id}/reviews"): SIGNED_IN,
    ("POST", "/orders/{order_id}/reviews"): SIGNED_IN,
    ("GET", "/technicians/{technician_id}/reviews"): PUBLIC,
    ("POST", "/orders/{order_id}/complaints"): CUSTOMER,
    ("GET", "/technician/complaints"): TECHNICIAN,
    ("POST", "/technician/complaints/{complaint_id}/answer"): TECHNICIAN,
    ("GET", "/technician/score"): TECHNICIAN,
    ("GET", "/technician/appeals"): TECHNICIAN,
    ("POST", "/technician/appeals"): TECHNICIAN,
    ("GET", "/ops/complaints"): STAFF,
    ("GET", "/ops/complaints/{complaint_id}"): STAFF,
    ("POST", "/ops/complaints/{complaint_id}/resolve"): STAFF,
    ("GET", "/ops/appeals"): STAFF,
    ("POST", "/ops/appeals/{appeal_id}/decide"): STAFF,
    ("POST", "/ops/levels/recompute"): OPERATOR,
    ("GET", "/orders/{order_id}/contact"): SIGNED_IN,
    ("GET", "/technician/offers"): TECHNICIAN,
    ("POST", "/technician/offers/{offer_id}/accept"): TECHNICIAN,
    ("POST", "/technician/offers/{offer_id}/decline"): TECHNICIAN,
    ("GET", "/technician/pool"): TECHNICIAN,
    ("POST", "/orders/{order_id}/claim"): TECHNICIAN,
    ("GET", "/technician/schedule"): TECHNICIAN,
    ("GET", "/me/blocked-technicians"): CUSTOMER,
    ("POST", "/me/blocked-technicians"): CUSTOMER,
    ("DELETE", "/me/blocked-technicians/{technician_id}"): CUSTOMER,
    ("GET", "/ops/dispatch/{order_id}"): STAFF,
    ("POST", "/ops/dispatch/{order_id}/assign"): OPERATOR,
    ("POST", "/ops/dispatch/run"): OPERATOR,
    ("POST", "/ops/orders/{order_id}/reassign"): OPERATOR,
    ("POST", "/ops/routes/plan"): OPERATOR,
}


# Routes outside /api/v1: health and docs are public, metrics only from this machine or
# with the metrics token (no role opens it), the live feed needs a token.
OUTSIDE_API: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): frozenset(),
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("WS", "/ws"): SIGNED_IN,
    ("WS", "/api/v1/ws"): SIGNED_IN,
}


def _refused_by_role(response) -> bool:  # noqa: ANN001
    if response.status_code == 401:
        return True
    if response.status_code == 403:
        body = (
            response.json()
            if response.headers.get("content-type", "").startswith("application/json")
            else {}
        )
        return body.get("error", {}).get("code") in {"role_forbidden", "not_authenticated"}
    return False


def test_every_endpoint_has_a_rule_and_keeps_it(api):
    users = {"anonymous": None}
    for role in ROLES[1:]:
        users[role] = api.register(role) if role in ("customer", "technician") else api.staff(role)
    routes = {
        (method.upper(), path[len("/api/v1") :])
        for path, operations in api.app.openapi()["paths"].items()
        if path.startswith("/api/v1")
        for method in operations
    }
    missing = sorted(routes - set(EXPECTED))
    assert not missing, f"endpoints without an authorization rule: {missing}"
    stale = sorted(set(EXPECTED) - routes)
    assert not stale, f"rules for endpoints that no longer exist: {stale}"
    wrong = []
    for (method, path), allowed in sorted(EXPECTED.items()):
        url = "/api/v1" + re.sub(r"\{[^}]+\}", "zz_missing", path)
        for role, user in users.items():
            headers = user["headers"] if user else {}
            body = {} if method in ("POST", "PUT", "PATCH") else None
            response = api.client.request(method, url, headers=headers, json=body)
            assert response.status_code < 500, f"{method} {path} as {role}: {response.status_code}"
            if _refused_by_role(response) == (role in allowed):
                wrong.append(f"{method} {path} as {role}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def _every_route(routes, prefix: str = "") -> set[tuple[str, str]]:  # noqa: ANN001
    """(method, path) of every route the app serves, from its router, not from OpenAPI: a
    route hidden from the schema still needs a rule. Included routers are walked with
    their prefix (FastAPI keeps them as lazy entries)."""
    found: set[tuple[str, str]] = set()
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            found |= _every_route(included.routes, prefix + route.include_context.prefix)
        elif type(route).__name__ in ("APIWebSocketRoute", "WebSocketRoute"):
            found.add(("WS", prefix + route.path))
        else:
            found |= {
                (m, prefix + route.path) for m in getattr(route, "methods", ()) if m != "HEAD"
            }
    return found


def test_routes_outside_the_api_have_rules_too(api):  # noqa: ANN001
    from starlette.websockets import WebSocketDisconnect

    served = _every_route(api.app.routes)
    inside = {(m, p) for m, p in served if p.startswith("/api/v1/") and m != "WS"}
    assert inside == {(m, "/api/v1" + p) for m, p in EXPECTED}, "see the test above"
    outside = served - inside
    assert outside == set(OUTSIDE_API), sorted(outside ^ set(OUTSIDE_API))
    customer = api.register("customer")
    api.app.state.realtime.config.auth_wait_seconds = 0.2  # no token: closed without waiting
    for (method, path), allowed in OUTSIDE_API.items():
        if method == "WS":
            assert "anonymous" not in allowed
            with api.client.websocket_connect(path) as ws:
                assert ws.receive_json()["code"] == "not_authenticated"
                try:
                    ws.receive_json()
                except WebSocketDisconnect as closed:
                    assert closed.code == 4401
                else:
                    raise AssertionError(f"{path} stayed open without a token")
            with api.client.websocket_connect(f"{path}?token={customer['access_token']}") as ws:
                ws.send_json({"type": "ping"})
        elif allowed:
            assert api.client.get(path).status_code == 200, path
        else:
            assert api.client.get(path, headers=customer["headers"]).status_code == 403, path
