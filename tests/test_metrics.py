"""/metrics: Prometheus counts that stay correct across two gunicorn workers, and database errors."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import falcon.testing
import pytest
from prometheus_client import REGISTRY

from taskapi.app import create_app
from taskapi.config import Config
from tests.api import make_token
from tests.live import LiveServer, live_app
from tests.postgres import Database

REQUESTS = 60


@pytest.fixture(scope="module")
def metrics_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("prometheus")


@pytest.fixture(scope="module")
def two_workers(database: Database, metrics_dir: Path) -> Iterator[LiveServer]:
    with live_app(
        database.url,
        METRICS_ENABLED="true",
        WEB_CONCURRENCY="2",
        # sync workers take one request at a time, so concurrent requests reach both processes
        WEB_THREADS="1",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    ) as live:
        yield live


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one series in Prometheus' text format (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        match = re.match(r"^(\w+)(?:{(.*)})? (\S+)$", line)
        if match and match.group(1) == name:
            got = ",".join(sorted((match.group(2) or "").split(","))) if match.group(2) else ""
            if got == wanted:
                return float(match.group(3))
    return 0.0


def test_counts_are_exact_across_two_workers(two_workers: LiveServer, metrics_dir: Path) -> None:
    auth = {"Authorization": f"Bearer {make_token('metrics-user')}"}

    def workers_that_served() -> int:
        return len({p.name.rsplit("_", 1)[1] for p in metrics_dir.glob("counter_*.db")})

    # which process accepts a connection is the kernel's choice: send concurrent batches until
    # both have served (almost always the first batch), and count exactly what was sent
    sent = 0
    with ThreadPoolExecutor(max_workers=12) as pool:
        for _ in range(20):
            statuses = list(
                pool.map(
                    lambda _: two_workers.request("GET", "/api/v1/tasks", headers=auth).status,
                    range(REQUESTS),
                )
            )
            assert statuses == [200] * REQUESTS
            sent += REQUESTS
            if workers_that_served() == 2:
                break
    assert workers_that_served() == 2  # the files /metrics merged came from both processes

    text = two_workers.request("GET", "/metrics").body.decode()

    route = {"route": "/api/v1/tasks", "method": "GET"}
    assert sample(text, "taskapi_http_requests_total", status="200", **route) == sent
    assert sample(text, "taskapi_http_request_duration_seconds_count", **route) == sent
    assert sample(text, "taskapi_http_request_duration_seconds_bucket", le="+Inf", **route) == sent


def test_pool_gauges_and_unauthorized_status_are_reported(two_workers: LiveServer) -> None:
    assert two_workers.request("GET", "/api/v1/tasks").status == 401

    text = two_workers.request("GET", "/metrics").body.decode()

    assert sample(text, "taskapi_http_requests_total", route="/api/v1/tasks", method="GET", status="401") == 1
    assert sample(text, "taskapi_db_pool_connections", state="size") >= 1
    assert "taskapi_db_pool_waiting" in text and 'state="in_use"' in text


def test_readiness_and_database_reachability_are_reported(two_workers: LiveServer) -> None:
    assert two_workers.request("GET", "/health").status == 200

    text = two_workers.request("GET", "/metrics").body.decode()

    # one series each (the minimum over the live workers), 1: every worker is ready
    assert sample(text, "taskapi_ready") == 1
    assert sample(text, "taskapi_database_reachable") == 1


def test_routes_are_labelled_by_template_not_by_path(two_workers: LiveServer) -> None:
    task_path = "/api/v1/tasks/019a5f3c-7d2e-7b4a-9c1e-2f3a4b5c6d7e"
    auth = {"Authorization": f"Bearer {make_token('metrics-user')}"}
    assert two_workers.request("GET", task_path, headers=auth).status == 404

    text = two_workers.request("GET", "/metrics").body.decode()

    assert task_path not in text
    assert (
        sample(
            text,
            "taskapi_http_requests_total",
            route="/api/v1/tasks/{task_id:uuid}",
            method="GET",
            status="404",
        )
        == 1
    )


def test_metrics_are_off_unless_enabled(client: falcon.testing.TestClient) -> None:
    assert client.simulate_get("/metrics").status_code == 404


def test_database_unavailable_is_counted(config: Config) -> None:
    down = dataclasses.replace(
        config, database_url="postgresql://nobody@127.0.0.1:1/none", db_pool_timeout=0.3, metrics_enabled=True
    )
    app = create_app(down)
    try:
        before = (
            REGISTRY.get_sample_value("taskapi_database_unavailable_total", {"reason": "pool_timeout"}) or 0
        )
        result = falcon.testing.TestClient(app).simulate_get(
            "/api/v1/tasks", headers={"Authorization": f"Bearer {make_token('u')}"}
        )
        after = REGISTRY.get_sample_value("taskapi_database_unavailable_total", {"reason": "pool_timeout"})
    finally:
        app.close()

    assert result.status_code == 503
    assert after == before + 1
