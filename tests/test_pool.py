"""The pool survives connections the server killed: idle ones are checked, fresh ones fail softly."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import falcon.testing
import psycopg
import pytest

from taskapi.app import TaskApp, create_app
from taskapi.config import Config
from taskapi.db import DatabaseUnavailable
from taskapi.db.pool import CHECK_AFTER_IDLE_SECONDS
from tests.api import make_token

pytestmark = pytest.mark.direct  # about the connection itself: never through --via-pgbouncer

AUTH = {"Authorization": f"Bearer {make_token('pool-user')}"}


@pytest.fixture
def one_connection_app(config: Config) -> Iterator[TaskApp]:
    app = create_app(replace(config, db_pool_min_size=1, db_pool_max_size=1))
    yield app
    app.close()


def _kill_pool_connection(app: TaskApp, url: str) -> bool:
    """Terminate, on the server, the one connection of this app's pool (not the session app's)."""
    with app.db.connection() as conn:
        pid = conn.info.backend_pid
    with psycopg.connect(url, autocommit=True) as admin:
        row = admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()
    return bool(row and row[0])


def test_a_connection_killed_while_idle_is_replaced_unnoticed(
    one_connection_app: TaskApp, config: Config
) -> None:
    client = falcon.testing.TestClient(one_connection_app)
    assert client.simulate_get("/api/v1/tasks", headers=AUTH).status_code == 200
    assert _kill_pool_connection(one_connection_app, config.database_url)

    time.sleep(CHECK_AFTER_IDLE_SECONDS + 0.2)

    assert client.simulate_get("/api/v1/tasks", headers=AUTH).status_code == 200


def test_a_connection_killed_in_use_costs_one_503_then_recovers(
    one_connection_app: TaskApp, config: Config
) -> None:
    client = falcon.testing.TestClient(one_connection_app)
    assert client.simulate_get("/api/v1/tasks", headers=AUTH).status_code == 200
    assert _kill_pool_connection(one_connection_app, config.database_url)

    first = client.simulate_get("/api/v1/tasks", headers=AUTH)
    then = client.simulate_get("/api/v1/tasks", headers=AUTH)

    assert first.status_code == 503 and first.headers["Retry-After"]
    assert then.status_code == 200


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_a_deadlock_or_serialization_failure_is_retryable_not_a_crash(
    one_connection_app: TaskApp, sqlstate: str
) -> None:
    """The database rolled the transaction back: the client may retry, so 503, never 500."""
    with pytest.raises(DatabaseUnavailable), one_connection_app.db.connection() as conn:
        conn.execute(f"DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '{sqlstate}'; END $$")

    client = falcon.testing.TestClient(one_connection_app)
    assert client.simulate_get("/api/v1/tasks", headers=AUTH).status_code == 200


def test_a_plain_sql_error_is_not_mistaken_for_an_outage(one_connection_app: TaskApp) -> None:
    with pytest.raises(psycopg.errors.DivisionByZero), one_connection_app.db.connection() as conn:
        conn.execute("SELECT 1 / 0")
