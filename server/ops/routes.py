"""The operators' console: settings, audit, monitoring, complaints, appeals, risk, dashboards.

Role design (checked by tests/api/ops/test_authorization_matrix.py):
- settings: read by staff, changed by operators/admins; audit log: admins only
- monitoring (orders, anomalies, alerts, risk flags): staff (operator, support, admin)
- complaints and appeals: support, operator, admin
- level review, risk decisions, sweeps: operator, admin
- dashboards: operator, finance, admin
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from pydantic import AwareDatetime

from server.audit import log as audit_service
from server.audit.models import AuditRead
from server.auth.dependencies import (
    AdminUser,
    CurrentUser,
    OperatorUser,
    StaffUser,
    require_roles,
)
from server.auth.models import Role, User
from server.core.deps import ClockDep, SettingsDep, UowDep, client_ip
from server.core.errors import known_filter
from server.core.ids import CURSOR_MAX
from server.core.routing import api_router
from server.notifications import inbox as notifications
from server.notifications.models import NotificationRead
from server.ops import dashboard, monitoring
from server.ops.models import (
    ALERT_STATUSES,
    JOB_STATUSES,
    AlertHandleIn,
    AlertRead,
    JobRead,
    JobScheduleRead,
    JobsRead,
    OrderMonitorRead,
    SosIn,
)
from server.orders import service as orders_service
from server.risk import service as risk
from server.risk.models import RISK_FLAG_KINDS, RISK_FLAG_STATUSES, RiskFlagRead, RiskReviewIn
from server.rules import store as rules_store
from server.rules.models import RulesHistoryItem, RulesRead, RulesUpdate
from server.technicians import expiry

router = api_router(prefix="/ops", tags=["ops"])
public_router = api_router(tags=["ops"])  # /sos and /me/notifications

DashboardUser = Annotated[User, Depends(require_roles(Role.operator, Role.finance, Role.admin))]


# --- settings ------------------------------------------------------------------------------


@router.get("/settings", response_model=RulesRead)
def get_settings(user: StaffUser, uow: UowDep) -> RulesRead:
    return rules_store.read_rules(uow)


@router.put("/settings", response_model=RulesRead)
def put_settings(body: RulesUpdate, user: OperatorUser, uow: UowDep, request: Request) -> RulesRead:
    rules_store.update_rules(
        uow,
        user=user,
        data=body.rules,
        expected_version=body.expected_version,
        note=body.note,
        ip=client_ip(request),
    )
    return rules_store.read_rules(uow)


@router.get("/settings/history", response_model=list[RulesHistoryItem])
def settings_history(user: StaffUser, uow: UowDep, limit: int = Query(50, ge=1, le=500)) -> list:
    return rules_store.history(uow, limit=limit)


# --- audit ------------------------------------------------------------------------------------


@router.get("/audit", response_model=list[AuditRead])
def audit_log(
    user: AdminUser,
    uow: UowDep,
    request: Request,
    actor_id: str | None = None,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    since: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    until: Annotated[AwareDatetime | None, Query(alias="to")] = None,
    before_seq: int | None = Query(None, ge=1, le=CURSOR_MAX),
    limit: int = Query(100, ge=1, le=500),
) -> list[AuditRead]:
    rows = audit_service.search(
        uow,
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        since=since,
        until=until,
        limit=limit,
        before_seq=before_seq,
    )
    audit_service.record_read(
        uow,
        actor=user,
        action="audit.read",
        target_type="audit_log",
        ip=client_ip(request),
        details={"filters": {"actor_id": actor_id, "action": action, "target_id": target_id}},
    )
    return rows


@router.get("/audit/verify")
def audit_verify(user: AdminUser, uow: UowDep, expect_head: str | None = None) -> dict[str, Any]:
    result = audit_service.verify(uow, expect_head=expect_head)
    return {
        "ok": result.ok,
        "checked": result.checked,
        "first_bad_seq": result.first_bad_seq,
        "reason": result.reason,
        "head": result.head,
    }


# --- monitoring -------------------------------------------------------------------------------


@router.get("/orders", response_model=list[OrderMonitorRead])
def monitor_orders(
    user: StaffUser,
    uow: UowDep,
    request: Request,
    status: Annotated[list[str] | None, Query()] = None,
    district: str | None = None,
    technician_id: str | None = None,
    customer_id: str | None = None,
    since: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    until: Annotated[AwareDatetime | None, Query(alias="to")] = None,
    anomaly: str | None = None,
    limit: int = Query(100, ge=1, le=500),
) -> list[OrderMonitorRead]:
    statuses = orders_service.known_statuses(status)
    rows = monitoring.list_orders(
        uow,
        status=statuses,
        district=district,
        technician_id=technician_id,
        customer_id=customer_id,
        since=since,
        until=until,
        anomaly=anomaly,
        limit=limit,
    )
    audit_service.record_read(
        uow,
        actor=user,
        action="orders.search",
        target_type="order",
        ip=client_ip(request),
        details={
            "status": statuses,
            "district": district,
            "technician_id": technician_id,
            "customer_id": customer_id,
            "anomaly": anomaly,
            "results": len(rows),
        },
    )
    return rows


@router.get("/anomalies")
def current_anomalies(user: StaffUser, uow: UowDep) -> dict[str, Any]:
    return monitoring.current_anomalies(uow)


@router.get("/alerts", response_model=list[AlertRead])
def list_alerts(user: StaffUser, uow: UowDep, status: str | None = None) -> list[AlertRead]:
    status = known_filter(status, ALERT_STATUSES, code="status_unknown")
    return monitoring.list_alerts(uow, status=status)


@router.post("/alerts/{alert_id}/handle", response_model=AlertRead)
def handle_alert(
    alert_id: str, body: AlertHandleIn, user: StaffUser, uow: UowDep, request: Request
) -> AlertRead:
    return monitoring.handle_alert(
        uow, user=user, alert_id=alert_id, status=body.status, note=body.note, ip=client_ip(request)
    )


# --- risk ---------------------------------------------------------------------------------------


@router.get("/jobs", response_model=JobsRead)
def list_jobs(
    user: StaffUser,
    uow: UowDep,
    settings: SettingsDep,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> JobsRead:
    """The background jobs, newest first (``status``: todo, doing, succeeded, failed…)."""
    status = known_filter(status, JOB_STATUSES, code="status_unknown")
    queue = uow.jobs
    return JobsRead(
        runs_in="web" if settings.runs_jobs_in_web else "worker",
        durable=queue.durable,
        schedule=[
            JobScheduleRead(task=spec.name, every_seconds=spec.every)
            for spec in queue.specs.values()
            if spec.every is not None
        ],
        jobs=[JobRead(**vars(job)) for job in queue.recent(uow, status=status, limit=limit)],
    )


@router.get("/risk/flags", response_model=list[RiskFlagRead])
def risk_flags(
    user: StaffUser, uow: UowDep, status: str | None = "open", kind: str | None = None
) -> list[RiskFlagRead]:
    status = known_filter(status, RISK_FLAG_STATUSES, code="status_unknown")
    kind = known_filter(kind, RISK_FLAG_KINDS, code="kind_unknown")
    return risk.list_flags(uow, status=status, kind=kind)


@router.post("/risk/flags/{flag_id}/review", response_model=RiskFlagRead)
def review_flag(
    flag_id: str, body: RiskReviewIn, user: OperatorUser, uow: UowDep, request: Request
) -> RiskFlagRead:
    return risk.review_flag(uow, user=user, flag_id=flag_id, note=body.note, ip=client_ip(request))


@router.post("/certificates/expire")
def run_certificate_sweep(user: OperatorUser, uow: UowDep, settings: SettingsDep) -> dict[str, Any]:
    """Run the certificate expiry sweep now (it also runs in the background)."""
    expired = expiry.expire_certificates(uow, timezone=settings.timezone)
    return {"expired": expired}


# --- dashboards ---------------------------------------------------------------------------------

_From = Annotated[AwareDatetime | None, Query(alias="from")]
_To = Annotated[AwareDatetime | None, Query(alias="to")]


def _window(clock: ClockDep, since: _From = None, until: _To = None) -> tuple[datetime, datetime]:
    """The period a dashboard covers (default: the last 24 hours)."""
    return dashboard.window(clock, since, until)


Window = Annotated[tuple[datetime, datetime], Depends(_window)]

_PANELS = {
    "summary": dashboard.summary,
    "orders-per-hour": dashboard.orders_per_hour,
    "gmv": dashboard.gmv,
    "acceptance": dashboard.acceptance,
    "on-time": dashboard.on_time,
    "complaints": dashboard.complaints,
}


def _panel(compute):  # noqa: ANN001, ANN202
    def endpoint(user: DashboardUser, uow: UowDep, window: Window) -> dict[str, Any]:
        return compute(uow, since=window[0], until=window[1])

    return endpoint


for _name, _compute in _PANELS.items():
    router.add_api_route(
        f"/dashboard/{_name}",
        _panel(_compute),
        methods=["GET"],
        name=f"dashboard_{_name.replace('-', '_')}",
        summary=f"Dashboard: {_name}",
    )


@router.get("/dashboard/technicians")
def dashboard_technicians(
    user: DashboardUser, uow: UowDep, window: Window, n: int = Query(5, ge=1, le=50)
) -> dict[str, Any]:
    return dashboard.technicians(uow, since=window[0], until=window[1], n=n)


# --- SOS and notifications (any signed-in user) ---------------------------------------------------


@public_router.post("/sos", response_model=AlertRead, status_code=201)
def sos(body: SosIn, user: CurrentUser, uow: UowDep, request: Request) -> AlertRead:
    return monitoring.raise_sos(uow, user=user, body=body, ip=client_ip(request))


@public_router.get("/me/notifications", response_model=list[NotificationRead])
def my_notifications(
    user: CurrentUser,
    uow: UowDep,
    unread: bool = False,
    limit: int = Query(50, ge=1, le=200),
) -> list[NotificationRead]:
    return notifications.list_for(uow, user=user, unread_only=unread, limit=limit)


@public_router.post("/me/notifications/{notification_id}/read", response_model=NotificationRead)
def read_notification(notification_id: str, user: CurrentUser, uow: UowDep) -> NotificationRead:
    return notifications.mark_read(uow, user=user, notification_id=notification_id)
