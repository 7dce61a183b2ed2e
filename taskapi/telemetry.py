"""Prometheus counters and gauges, importable without the web stack (the store and the database
count here); /metrics (taskapi/http/metrics.py) exports them. Correct under several gunicorn
workers: multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set, which gunicorn.conf.py does."""

from __future__ import annotations

import threading

from prometheus_client import Counter, Gauge, Histogram

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
# livemin: the instance counts as ready, or as reaching its database, only when every live worker does
READY = Gauge(
    "taskapi_ready",
    "1 when GET /health answers 200 (not draining, database reachable).",
    multiprocess_mode="livemin",
)
DATABASE_REACHABLE = Gauge(
    "taskapi_database_reachable", "1 when the latest database ping succeeded.", multiprocess_mode="livemin"
)


class _PoolGauges:
    """The pool's gauges, written only when a value changed. In multiprocess mode every write is
    a write to an mmap'd file under prometheus-client's one lock for the whole process, and on
    most requests the pool looks as it did on the one before."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # the gauges always hold `_last`, whichever thread wrote
        self._last: tuple[int, int, int] | None = None
        self._gauges: tuple[Gauge, Gauge, Gauge] | None = None

    def observe(self, stats: dict[str, int]) -> None:
        size = stats.get("pool_size", 0)
        values = (size, size - stats.get("pool_available", 0), stats.get("requests_waiting", 0))
        if values == self._last:
            return
        with self._lock:
            if self._gauges is None:  # made on first use: in the worker, never in gunicorn's master
                size_gauge, in_use = POOL_CONNECTIONS.labels("size"), POOL_CONNECTIONS.labels("in_use")
                self._gauges = (size_gauge, in_use, POOL_WAITING)
            for gauge, value in zip(self._gauges, values, strict=True):
                gauge.set(value)
            self._last = values


observe_pool = _PoolGauges().observe
