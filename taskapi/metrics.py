"""Prometheus metrics, correct under several gunicorn workers (multiprocess mode when
PROMETHEUS_MULTIPROC_DIR is set, which gunicorn.conf.py does), and the /metrics resource."""

from __future__ import annotations

import os
import time
from typing import Any

import falcon
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

from taskapi.openapi.document import operation

REQUESTS = Counter("taskapi_http_requests_total", "HTTP requests answered.", ["route", "method", "status"])
LATENCY = Histogram(
    "taskapi_http_request_duration_seconds",
    "Time from the request's arrival in the app to its response.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
# livesum: the total over the workers alive now (a dead worker's pool is gone)
POOL_CONNECTIONS = Gauge(
    "taskapi_db_pool_connections", "Connections in the pools.", ["state"], multiprocess_mode="livesum"
)
POOL_WAITING = Gauge(
    "taskapi_db_pool_waiting", "Requests waiting for a pool connection.", multiprocess_mode="livesum"
)
DATABASE_ERRORS = Counter(
    "taskapi_database_unavailable_total", "Requests that could not get a working connection.", ["reason"]
)
# Methods a client can send are unbounded; anything else is counted as OTHER (label cardinality).
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_label(req: falcon.Request) -> str:
    """The route template, never the raw path (ids would make a series per task)."""
    if req.uri_template:
        return req.uri_template
    if req.method == "OPTIONS" and req.get_header("Access-Control-Request-Method"):
        return "cors-preflight"  # answered before routing (taskapi/http/browser.py)
    return "static" if req.path.startswith("/docs/assets/") else "unmatched"


def observe_pool(stats: dict[str, int]) -> None:
    POOL_CONNECTIONS.labels("size").set(stats.get("pool_size", 0))
    POOL_CONNECTIONS.labels("in_use").set(stats.get("pool_size", 0) - stats.get("pool_available", 0))
    POOL_WAITING.set(stats.get("requests_waiting", 0))


class RequestMetrics:
    """Counts every response by route template, method and status, and times it."""

    def __init__(self, pool_stats: Any) -> None:
        self.pool_stats = pool_stats  # () -> psycopg_pool's get_stats() dict

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        route = route_label(req)
        method = req.method if req.method in _METHODS else "OTHER"
        REQUESTS.labels(route, method, str(resp.status_code)).inc()
        started = getattr(req.context, "started", None)
        if started is not None:
            LATENCY.labels(route, method).observe(time.perf_counter() - started)
        observe_pool(self.pool_stats())


class MetricsEndpoint:
    """GET /metrics in Prometheus' text format; keep it internal (docs/operating.md, METRICS_ENABLED)."""

    public = True  # Prometheus scrapes without a JWT
    openapi = {
        "on_get": operation(
            "Prometheus metrics",
            description="Enabled by METRICS_ENABLED; block it at the edge, scrape it from inside.",
            tags=("meta",),
            public=True,
            responses={200: {"description": "Prometheus text format.", "content": {"text/plain": {}}}},
        )
    }

    def __init__(self, pool_stats: Any) -> None:
        self.pool_stats = pool_stats

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        observe_pool(self.pool_stats())
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # every worker's files in the directory, merged
        else:
            registry = REGISTRY
        resp.content_type = CONTENT_TYPE_LATEST
        resp.cache_control = ["no-store"]
        resp.data = generate_latest(registry)
