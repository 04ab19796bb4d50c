"""Request ids, structured logs and Prometheus metrics."""

from __future__ import annotations

import json
import logging
import time

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from server.core.ids import new_id

# Domain counters are per process: a service counts without knowing which app serves it.
DOMAIN_REGISTRY = CollectorRegistry()
ORDER_TRANSITIONS = Counter(
    "doorstep_order_transitions_total",
    "Applied order transitions",
    ["action"],
    registry=DOMAIN_REGISTRY,
)


class Metrics:
    """One registry per app for HTTP figures, so several apps in one test process don't
    collide; rendered together with the process's domain counters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "doorstep_http_requests_total",
            "HTTP requests",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "doorstep_http_request_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=self.registry,
        )
        self.ws_connections = Counter(
            "doorstep_ws_connections_total",
            "WebSocket connections accepted",
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry) + generate_latest(DOMAIN_REGISTRY)


class RequestContextMiddleware:
    """Request id, access log and metrics (pure ASGI: no extra task or body copy)."""

    def __init__(self, app) -> None:  # noqa: ANN001
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"").decode(
            "latin-1"
        )
        request_id = (given or new_id("req"))[:80]
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = {"code": 500}

        async def send_with_id(message) -> None:  # noqa: ANN001
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message = {
                    **message,
                    "headers": [
                        *message.get("headers", []),
                        (b"x-request-id", request_id.encode("latin-1")),
                    ],
                }
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            template = getattr(scope.get("route"), "path", "unmatched")
            metrics: Metrics = scope["app"].state.metrics
            metrics.requests.labels(scope["method"], template, str(status["code"])).inc()
            metrics.latency.labels(scope["method"], template).observe(elapsed)
            _access.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status["code"],
                extra={"request_id": request_id, "ms": round(elapsed * 1000, 1)},
            )


_access = logging.getLogger("doorstep.access")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {"level": record.levelname, "logger": record.name, "msg": record.getMessage()}
        for key in ("request_id", "order_id", "ms"):
            if hasattr(record, key):
                data[key] = getattr(record, key)
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def configure_logging(json_logs: bool) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter()
        if json_logs
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger("doorstep")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False
