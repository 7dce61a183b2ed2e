"""Request metrics (route, method, status, duration) and the /metrics resource; the counters
themselves are in taskapi/telemetry.py."""

from __future__ import annotations

import time
from typing import Any

import falcon
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from taskapi.openapi.facts import operation
from taskapi.telemetry import LATENCY, REQUESTS, observe_pool

# Methods a client can send are unbounded; anything else is counted as OTHER (label cardinality).
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_label(req: falcon.Request) -> str:
    """The route template, never the raw path (ids would make a series per task)."""
    if req.uri_template:
        return req.uri_template
    if req.method == "OPTIONS" and req.get_header("Access-Control-Request-Method"):
        return "cors-preflight"  # answered before routing (taskapi/http/browser.py)
    return "static" if req.path.startswith("/docs/assets/") else "unmatched"


class RequestMetrics:
    """Counts every response by route template, method and status, and times it."""

    def __init__(self, pool_stats: Any) -> None:
        self.pool_stats = pool_stats  # () -> psycopg_pool's get_stats() dict
        # each label set's series, looked up once: `labels()` takes the metric's lock and
        # converts every value to text on each call
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        route = route_label(req)
        method = req.method if req.method in _METHODS else "OTHER"
        key = (route, method, resp.status_code)
        series = self._series.get(key)
        if series is None:
            series = (REQUESTS.labels(route, method, str(resp.status_code)), LATENCY.labels(route, method))
            self._series[key] = series
        series[0].inc()
        started = getattr(req.context, "started", None)
        if started is not None:
            series[1].observe(time.perf_counter() - started)
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

    def __init__(self, pool_stats: Any, multiprocess: bool) -> None:
        self.pool_stats = pool_stats
        self.multiprocess = multiprocess  # gunicorn's workers each write their samples to files

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        observe_pool(self.pool_stats())
        if self.multiprocess:
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # every worker's files in the directory, merged
        else:
            registry = REGISTRY
        resp.content_type = CONTENT_TYPE_LATEST
        resp.cache_control = ["no-store"]
        resp.data = generate_latest(registry)
