"""Request ids, structured logs and Prometheus metrics."""

from __future__ import annotations

import json
import logging
import time

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import Response

from server.core.ids import new_id

# Domain counters are per process: a service counts without knowing which app serves it.
DOMAIN_REGISTRY = CollectorRegistry()
ORDER_TRANSITIONS = Counter(
    "doorstep_order_transitions_total", "Applied order transitions", ["action"],
    registry=DOMAIN_REGISTRY,
)


class Metrics:
    """One registry per app for HTTP figures, so several apps in one test process don't
    collide; rendered together with the process's domain counters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "doorstep_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "doorstep_http_request_seconds", "HTTP request latency", ["method", "route"], registry=self.registry
        )
        self.ws_connections = Counter(
            "doorstep_ws_connections_total", "WebSocket connections accepted", registry=self.registry
        )

    def render(self) -> bytes:
        return generate_latest(self.registry) + generate_latest(DOMAIN_REGISTRY)


class RequestContextMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next) -> Response:  # noqa: ANN001
        request_id = request.headers.get("x-request-id") or new_id("req")
        request.state.request_id = request_id[:80]
        started = time.perf_counter()
        response = await call_next(request)
        elapsed = time.perf_counter() - started
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")
        metrics: Metrics = request.app.state.metrics
        metrics.requests.labels(request.method, template, str(response.status_code)).inc()
        metrics.latency.labels(request.method, template).observe(elapsed)
        response.headers["X-Request-ID"] = request.state.request_id
        logging.getLogger("doorstep.access").info(
            "%s %s %s", request.method, request.url.path, response.status_code,
            extra={"request_id": request.state.request_id, "ms": round(elapsed * 1000, 1)},
        )
        return response


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
    handler.setFormatter(JsonFormatter() if json_logs else logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger("doorstep")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False
