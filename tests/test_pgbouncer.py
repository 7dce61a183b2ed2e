"""Behind a real PgBouncer: a transaction-mode pooler is detected and never gets prepared statements;
a prepared-statement mismatch is a 500 naming its cause, not a 503 outage."""

from __future__ import annotations

import logging
import subprocess
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

import falcon.testing
import psycopg
import pytest

from taskapi.app import TaskApp, create_app
from taskapi.config import Config
from taskapi.db import PREPARE_THRESHOLD
from taskapi.pooler import behind_transaction_pooler
from tests.api import make_token
from tests.live import LiveServer, free_port, live_app
from tests.pgbouncer import PgBouncer, pgbouncer
from tests.postgres import Database

AUTH = {"Authorization": f"Bearer {make_token('pooler-user')}"}
POOLER_LINE = "DB_PREPARED_STATEMENTS=true, but DATABASE_URL leads to a transaction-mode pooler"
# listing shapes that are prepared, with different parameter counts
LISTINGS = ("", "?completed=false", "?priority=high", "?priority=high,low&completed=true", "?limit=5&offset=1")


@pytest.fixture(scope="module")
def transaction_pooler(database: Database) -> Iterator[PgBouncer]:
    # fewer server connections than the app's 2 workers x 4 client connections: they are shared
    with pgbouncer(database.url, pool_mode="transaction", pool_size=4) as bouncer:
        yield bouncer


@pytest.fixture(scope="module")
def session_pooler(database: Database) -> Iterator[PgBouncer]:
    with pgbouncer(database.url, pool_mode="session") as bouncer:
        yield bouncer


@contextmanager
def app_at(config: Config, url: str) -> Iterator[TaskApp]:
    """The app with one pooled connection (so a test sees the connection its requests use)."""
    app = create_app(replace(config, database_url=url, db_pool_min_size=1, db_pool_max_size=1))
    try:
        yield app
    finally:
        app.db.close()


def test_the_check_tells_a_transaction_pooler_from_postgresql_and_a_session_pooler(
    database: Database, transaction_pooler: PgBouncer, session_pooler: PgBouncer
) -> None:
    assert behind_transaction_pooler(database.url, connect_timeout=2) is False
    assert behind_transaction_pooler(session_pooler.route(database.url), connect_timeout=2) is False
    assert behind_transaction_pooler(transaction_pooler.route(database.url), connect_timeout=2) is True


def test_the_check_counts_a_wait_for_a_server_connection_as_a_pooler(database: Database) -> None:
    # one server connection: held by the check's own transaction, the other read can only wait
    with pgbouncer(database.url, pool_mode="transaction", pool_size=1) as bouncer:
        assert behind_transaction_pooler(bouncer.route(database.url), connect_timeout=2, wait=0.5) is True


def _prepared_statements(app: TaskApp) -> list[str]:
    """Warm the listing up past the prepare threshold; the statements its connection prepared."""
    client = falcon.testing.TestClient(app)
    for _ in range(PREPARE_THRESHOLD + 1):
        assert client.simulate_get("/api/v1/tasks", headers=AUTH).status_code == 200
    with app.db.connection() as conn:
        return [row["name"] for row in conn.execute("SELECT name FROM pg_prepared_statements")]


@pytest.mark.parametrize("where", ["postgresql", "session pooler"])
def test_prepared_statements_stay_on_directly_and_through_a_session_pooler(
    config: Config, database: Database, session_pooler: PgBouncer, where: str
) -> None:
    url = database.url if where == "postgresql" else session_pooler.route(database.url)
    with app_at(config, url) as app:
        prepared = _prepared_statements(app)
        assert app.db.prepare_threshold == PREPARE_THRESHOLD
    assert prepared, "psycopg prepared none of the listing's statements"


def test_through_a_transaction_pooler_prepared_statements_are_off_with_one_log_line(
    config: Config, database: Database, transaction_pooler: PgBouncer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="taskapi.db"), app_at(config, transaction_pooler.route(database.url)) as app:
        _prepared_statements(app)
        with app.db.connection() as conn:
            assert conn.prepare_threshold is None
    assert len([r for r in caplog.records if POOLER_LINE in r.getMessage()]) == 1


def test_a_database_unreachable_at_start_is_checked_on_its_first_connection(
    config: Config, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    quick = replace(config, db_pool_timeout=0.5)  # the 503 while nothing listens comes sooner
    with caplog.at_level(logging.WARNING, logger="taskapi.db"), app_at(quick, _at_port(database.url, port)) as app:
        client = falcon.testing.TestClient(app)
        assert client.simulate_get("/api/v1/tasks", headers=AUTH).status_code == 503
        assert app.db.prepare_threshold is None
        with pgbouncer(database.url, pool_mode="transaction", port=port):
            statuses = [client.simulate_get("/api/v1/tasks", headers=AUTH).status_code]
            while statuses[-1] == 503 and len(statuses) < 10:  # the pool reconnects in the background
                statuses.append(client.simulate_get("/api/v1/tasks", headers=AUTH).status_code)
            statuses += [client.simulate_get("/api/v1/tasks", headers=AUTH).status_code for _ in range(10)]
    assert statuses[-11:] == [200] * 11
    assert app.db.prepare_threshold is None
    assert any(POOLER_LINE in r.getMessage() for r in caplog.records)


def _at_port(url: str, port: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit(":", 1)[0] + f":{port}"))
