"""The application factory: ``create_app(settings)`` assembles every domain router."""

from __future__ import annotations

import asyncio
import gc
import hmac
import logging
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text

import server.models  # noqa: F401  (registers every table)
from server import bootstrap
from server.audit.middleware import StaffAuditNet
from server.auth.dependencies import preload_caller
from server.auth.routes import router as auth
from server.auth.sms import sms_provider_for
from server.catalog import knowledge
from server.catalog.knowledge_routes import router as knowledge_routes
from server.catalog.routes import router as catalog
from server.core import migrate
from server.core.asgi import read_body, replaying
from server.core.clock import Clock, SystemClock
from server.core.crypto import FieldCipher
from server.core.db import make_engine
from server.core.errors import error_body, install_error_handlers
from server.core.jobs import JobEngine
from server.core.observability import Metrics, RequestContextMiddleware, configure_logging
from server.core.ratelimit import make_rate_limiter
from server.core.security_headers import SecurityHeaders
from server.core.settings import Settings, get_settings
from server.core.uow_middleware import UnitOfWorkMiddleware, writer_gate
from server.dispatch.routes import router as dispatch
from server.files.routes import router as files
from server.flows.accounts import router as accounts
from server.flows.notices import router as notices
from server.flows.service_cards import router as service_cards
from server.geo.routes import router as geo
from server.notifications.channels import Channels
from server.notifications.routes import router as notifications
from server.ops.replay.routes import router as replays
from server.ops.route_plans import router as route_plans
from server.ops.routes import public_router as ops_public
from server.ops.routes import router as ops
from server.orders.follow_ups import router as follow_ups
from server.orders.recommendations import router as recommendations
from server.orders.routes import router as orders
from server.orders.work_order import due_work_orders
from server.payments.family_pay import router as family_pay
from server.payments.invoice_pdf import due_invoices
from server.payments.routes import router as payments
from server.pricing.family import router as family
from server.pricing.mall import router as mall
from server.pricing.routes import router as pricing
from server.privacy.routes import router as privacy
from server.quality.routes import router as quality
from server.realtime import routes as realtime_routes
from server.realtime import service as realtime_service
from server.realtime.routes import router as realtime
from server.reviews.routes import router as reviews
from server.technicians.routes import router as technicians
from server.training import courses as training_courses
from server.training.routes import router as training

API_PREFIX = "/api/v1"
log = logging.getLogger("doorstep.app")


def _routers() -> list[APIRouter]:

    return [
        auth,
        accounts,
        catalog,
        knowledge_routes,
        training,
        files,
        orders,
        recommendations,
        follow_ups,
        mall,
        family,
        pricing,
        service_cards,
        payments,
        family_pay,
        ops,
        replays,
        technicians,
        realtime,
        ops_public,
        reviews,
        privacy,
        dispatch,
        geo,
        route_plans,
        notifications,
        notices,
        quality,
    ]


def _declare_jobs(app: FastAPI) -> None:
    """Every job of ``bootstrap.jobs``, each run in a thread (after SQLite's writer gate,
    in line with the requests' writes), and the queue's own upkeep."""

    async def in_a_thread(call):  # noqa: ANN001, ANN202
        gate = writer_gate(app)
        if gate is None:
            return await asyncio.to_thread(call)
        async with gate:
            return await asyncio.to_thread(call)

    engine: JobEngine = app.state.jobs
    for spec in bootstrap.jobs(app):
        engine.add(spec, around=in_a_thread)
    engine.add_upkeep()


def _document_finders() -> tuple:
    """What the filing job (``server.files.filing``) asks for documents due."""

    return (due_work_orders, due_invoices)


class RequestGuard:
    """Refuse, before anything reads them, bodies larger than the limit and paths or
    queries carrying NUL bytes.

    A body that declares its Content-Length is judged by the header (the server holds
    the client to it). One without (chunked) is read here first, counting the bytes,
    so it cannot slip past the limit; at most ``max_bytes`` of it are held."""

    def __init__(self, app, max_bytes: int) -> None:  # noqa: ANN001
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b""):
            response = JSONResponse(
                error_body("invalid_characters", "NUL bytes are not allowed"), status_code=400
            )
            await response(scope, receive, send)
            return
        length = next((value for key, value in scope["headers"] if key == b"content-length"), None)
        if length is not None and length.isdigit():
            if int(length) > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        body = await read_body(receive, self.max_bytes)
        if body is None:
            await self._too_large(scope, receive, send)
            return
        await self.app(scope, replaying(body, receive), send)

    async def _too_large(self, scope, receive, send) -> None:  # noqa: ANN001
        body = error_body(
            "payload_too_large", "request body too large", {"max_bytes": self.max_bytes}
        )
        await JSONResponse(body, status_code=413)(scope, receive, send)


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None, engine=None
) -> FastAPI:  # noqa: ANN001
    settings = settings or get_settings()
    bootstrap.wire()
    configure_logging(settings.log_json)
    if problems := settings.production_problems():
        raise RuntimeError("refusing to start in production: " + "; ".join(problems))
    settings = settings.with_install_secrets()
    knowledge.shared()  # a broken assets/knowledge.yaml stops the start, loudly
    training_courses.shared(knowledge.shared().entries)  # and so does assets/courses.yaml

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # noqa: ANN202
        for hook in app.state.startup_hooks:
            await hook(app)
        # What start-up built (routes, catalog, rules, the dispatch core's tables) lives as
        # long as the process: out of the collector's scans, so its pauses stay short
        # (a dispatch decision's p99 at 10,000 technicians, bench/dispatch_scale.py).
        gc.freeze()
        worker = None
        if settings.runs_jobs_in_web:  # the embedded default; else `doorstep worker`
            worker = asyncio.create_task(app.state.jobs.run_worker(name="web"))
        try:
            yield
        finally:
            if worker is not None:
                worker.cancel()
                await asyncio.gather(worker, return_exceptions=True)
            for hook in app.state.shutdown_hooks:
                await hook(app)

    app = FastAPI(
        title="Doorstep API",
        version="1.0",
        description=(
            "On-demand home services: catalog, pricing, dispatch, orders, payments, realtime."
        ),
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    app.state.engine = engine or make_engine(settings.effective_database_url)
    app.state.cipher = FieldCipher.from_settings(settings.encryption_keys, settings.secret_key)
    app.state.metrics = Metrics()
    app.state.rate_limiter = make_rate_limiter(settings.effective_redis_url)
    app.state.sms = sms_provider_for(settings.sms_provider)
    app.state.channels = Channels.from_settings(settings, sms=app.state.sms)
    app.state.document_finders = _document_finders()
    app.state.jobs = JobEngine(settings)
    app.state.startup_hooks = []
    app.state.shutdown_hooks = []

    realtime_service.install(app)  # live feed: hub + broker, started with the lifespan
    _declare_jobs(app)
    app.add_api_websocket_route("/ws", realtime_routes.feed)  # also at /api/v1/ws
    settings.files_dir.mkdir(parents=True, exist_ok=True)

    install_error_handlers(app)
    # One transaction per request, with its idempotency record and staff audit entry.
    app.add_middleware(
        UnitOfWorkMiddleware,
        hooks=(StaffAuditNet(prefix=API_PREFIX + "/"),),
        load_caller=preload_caller,
    )
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(RequestGuard, max_bytes=settings.max_request_bytes)
    app.add_middleware(SecurityHeaders, api_prefix=API_PREFIX)
    if settings.cors_origins:  # the apps call the API from their own process: none by default
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-Request-ID"],
        )

    for router in _routers():
        app.include_router(router, prefix=API_PREFIX)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict:
        return {"status": "ok"}

    schema_head = migrate.head_revision()

    @app.get("/readyz", tags=["health"])
    def readyz() -> JSONResponse:
        """Ready means the database answers and its schema is the one this code expects
        (run ``doorstep migrate`` otherwise), so a load balancer never routes to a worker
        whose every request would fail."""
        try:
            with app.state.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                problem = migrate.schema_problem(conn, schema_head)
        except Exception as exc:  # report, don't crash: readiness is a question
            log.warning("database not ready: %s", exc)
            return JSONResponse(error_body("not_ready", "database unreachable"), status_code=503)
        if problem:
            return JSONResponse(
                error_body(
                    problem,
                    "the database schema is not at this version: run doorstep migrate",
                    {"expected": schema_head},
                ),
                status_code=503,
            )
        return JSONResponse({"status": "ready"})

    @app.get("/metrics", tags=["health"])
    def metrics(request: Request) -> Response:
        """For the monitoring on this machine, or whoever holds ``DOORSTEP_METRICS_TOKEN``:
        request counts per route and timings are not for the world."""
        token = settings.metrics_token
        local = request.client is not None and request.client.host in ("127.0.0.1", "::1")
        given = request.headers.get("authorization", "").removeprefix("Bearer ")
        if not (hmac.compare_digest(given, token) if token else local):
            return JSONResponse(error_body("forbidden", "metrics are not public"), status_code=403)
        return Response(app.state.metrics.render(), media_type="text/plain; version=0.0.4")

    return app
