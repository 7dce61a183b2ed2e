"""Database outage: 503 problem+json with Retry-After while it is down, recovery by itself after."""

from __future__ import annotations

import time
from collections.abc import Iterator

import falcon.testing
import pytest

from taskapi.app import create_app
from taskapi.config import Config
from tests.api import TEST_SECRET, make_token
from tests.postgres import Database
from tests.restartable import restartable_database

POOL_TIMEOUT = 1.0
HEALTH_WINDOW = 1.0


@pytest.fixture(scope="module")
def outage_db() -> Iterator[Database]:
    with restartable_database() as db:
        yield db


@pytest.fixture(scope="module")
def outage_client(outage_db: Database) -> Iterator[falcon.testing.TestClient]:
    config = Config(
        database_url=outage_db.url,
        jwt_secret=TEST_SECRET,
        db_pool_max_size=2,
        db_pool_timeout=POOL_TIMEOUT,
        health_db_window_seconds=HEALTH_WINDOW,
    )
    app = create_app(config)
    yield falcon.testing.TestClient(app, headers={"Authorization": f"Bearer {make_token('outage-user')}"})
    app.close()


def create(client: falcon.testing.TestClient) -> falcon.testing.Result:
    return client.simulate_post("/api/v1/tasks", json={"title": "during an outage"})


def wait_until_served(client: falcon.testing.TestClient, limit: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if create(client).status_code == 201:
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"the service did not recover within {limit} s of the database")


def wait_for_health(client: falcon.testing.TestClient, status: int, limit: float) -> falcon.testing.Result:
    deadline = time.monotonic() + limit
    while (health := client.simulate_get("/health")).status_code != status:
        if time.monotonic() > deadline:
            raise AssertionError(f"/health is still {health.status_code} {health.text} after {limit} s")
        time.sleep(0.05)
    return health


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_database_down_is_503_with_retry_after_and_recovery_needs_no_restart(
    outage_db: Database, outage_client: falcon.testing.TestClient, mode: str
) -> None:
    assert outage_db.cluster is not None
    assert create(outage_client).status_code == 201  # the pool holds live connections now
    outage_db.cluster.stop(mode)
    answered_in = []
    try:
        for _ in range(3):  # the broken pooled connections first, then no connection at all
            started = time.monotonic()
            result = create(outage_client)
            elapsed = time.monotonic() - started
            answered_in.append(round(elapsed, 2))
            assert result.status_code == 503, result.text
            assert result.headers["Content-Type"] == "application/problem+json"
            assert int(result.headers["Retry-After"]) >= 1
            assert result.json["type"] == "/problems/database-unavailable"
            assert elapsed < POOL_TIMEOUT + 2  # an answer, not a hang
        # /health turns 503 once the outage has outlasted its window (tests/test_readiness.py)
        health = wait_for_health(outage_client, 503, limit=HEALTH_WINDOW + 5)
        assert health.json == {"status": "unavailable", "database": "unavailable"}
        assert int(health.headers["Retry-After"]) >= 1
        listed = outage_client.simulate_get("/api/v1/tasks")
        assert listed.status_code == 503
    finally:
        outage_db.cluster.start()
    recovered_in = wait_until_served(outage_client, limit=10)
    print(f"{mode}: 503s answered in {answered_in} s; served again {recovered_in:.2f} s after the database")
    assert recovered_in < 5
    assert wait_for_health(outage_client, 200, limit=5).json == {"status": "ok", "database": "ok"}
