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
from taskapi.db.pool import PREPARE_THRESHOLD
from taskapi.db.pooler import behind_transaction_pooler
from taskapi.devtools.pgbouncer import PgBouncer, pgbouncer
from tests.api import make_token
from tests.live import LiveServer, free_port, live_app
from tests.postgres import Database

pytestmark = pytest.mark.direct  # about the connection itself: never through --via-pgbouncer

AUTH = {"Authorization": f"Bearer {make_token('pooler-user')}"}
POOLER_LINE = "DB_PREPARED_STATEMENTS=true, but DATABASE_URL leads to a transaction-mode pooler"
# listing shapes that are prepared, with different parameter counts
LISTINGS = (
    "",
    "?completed=false",
    "?priority=high",
    "?priority=high,low&completed=true",
    "?limit=5&offset=1",
)


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


def test_with_the_setting_false_nothing_is_checked_or_prepared(
    config: Config, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.INFO, logger="taskapi.db"),
        app_at(replace(config, db_prepared_statements=False), database.url) as app,
    ):
        assert _prepared_statements(app) == []
        assert app.db.prepare_threshold is None
    assert not [r for r in caplog.records if "pooler" in r.getMessage()]


def test_through_a_transaction_pooler_prepared_statements_are_off_with_one_log_line(
    config: Config, database: Database, transaction_pooler: PgBouncer, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.INFO, logger="taskapi.db"),
        app_at(config, transaction_pooler.route(database.url)) as app,
    ):
        _prepared_statements(app)
        with app.db.connection() as conn:
            assert conn.prepare_threshold is None
    assert len([r for r in caplog.records if POOLER_LINE in r.getMessage()]) == 1


def test_a_database_unreachable_at_start_is_checked_on_its_first_connection(
    config: Config, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    quick = replace(config, db_pool_timeout=0.5)  # the 503 while nothing listens comes sooner
    with (
        caplog.at_level(logging.WARNING, logger="taskapi.db"),
        app_at(quick, _at_port(database.url, port)) as app,
    ):
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


def _deallocate_all(pgconn: psycopg.pq.abc.PGconn, statements: list[dict[str, object]]) -> None:
    pgconn.exec_(b"DEALLOCATE ALL")


def _swap_for_other_parameter_counts(
    pgconn: psycopg.pq.abc.PGconn, statements: list[dict[str, object]]
) -> None:
    # what a transaction pooler does: the same name, on the server connection now lent, is another
    # client's statement
    for statement in statements:
        count = len(str(statement["types"]).strip("{}").split(",")) + 1
        params = ", ".join(["int"] * count)
        pgconn.exec_(
            f'DEALLOCATE "{statement["name"]}"; PREPARE "{statement["name"]}"({params}) AS SELECT 1'.encode()
        )


def _take_the_next_names(pgconn: psycopg.pq.abc.PGconn, statements: list[dict[str, object]]) -> None:
    taken = {str(statement["name"]) for statement in statements}
    for name in (f"_pg3_{i}" for i in range(100)):
        if name not in taken:
            pgconn.exec_(f'PREPARE "{name}" AS SELECT 1'.encode())


@pytest.mark.parametrize(
    ("sqlstate", "sabotage"),
    [
        ("26000", _deallocate_all),
        ("08P01", _swap_for_other_parameter_counts),
        ("42P05", _take_the_next_names),
    ],
)
def test_a_prepared_statement_mismatch_is_a_500_naming_the_cause_then_prepared_statements_are_off(
    config: Config,
    database: Database,
    caplog: pytest.LogCaptureFixture,
    sqlstate: str,
    sabotage: Callable[[psycopg.pq.abc.PGconn, list[dict[str, object]]], None],
) -> None:
    with caplog.at_level(logging.ERROR, logger="taskapi.http.errors"), app_at(config, database.url) as app:
        assert _prepared_statements(app)
        with app.db.pool.connection() as conn:  # the one connection, behind psycopg's back
            rows = conn.execute("SELECT name, parameter_types::text AS types FROM pg_prepared_statements")
            sabotage(conn.pgconn, rows.fetchall())
        client = falcon.testing.TestClient(app)
        # a listing not yet prepared, then: only the next one to be prepared meets a taken name
        probe = "/api/v1/tasks" if sqlstate != "42P05" else "/api/v1/tasks?completed=true"
        statuses = [
            client.simulate_get(probe, headers=AUTH).status_code for _ in range(PREPARE_THRESHOLD + 2)
        ]
        assert app.db.prepare_threshold is None
    assert 503 not in statuses and statuses.count(500) == 1, statuses
    assert statuses[statuses.index(500) + 1 :] == [200] * (len(statuses) - statuses.index(500) - 1)
    lines = [r.getMessage() for r in caplog.records if "prepared statement mismatch" in r.getMessage()]
    assert (
        len(lines) == 1 and f"SQLSTATE {sqlstate}" in lines[0] and "DB_PREPARED_STATEMENTS=true" in lines[0]
    )


THREADS = 8
ROUNDS = 8  # each round: a create, a get, and every listing shape


def _drain(process: subprocess.Popen[bytes]) -> tuple[threading.Thread, list[str]]:
    """Read the server's output as it comes, so a chatty server never blocks on a full pipe."""
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(line.decode() for line in process.stdout or ()))
    reader.start()
    return reader, lines


def _one_user(live: LiveServer, user: int, start: threading.Barrier, statuses: list[int]) -> None:
    auth = {"Authorization": f"Bearer {make_token(f'pooler-load-{user}')}"}
    start.wait()
    for round_ in range(ROUNDS):
        created = live.request("POST", "/api/v1/tasks", {"title": f"task {round_}", "priority": "high"}, auth)
        statuses.append(created.status)
        if created.status == 201:
            statuses.append(live.request("GET", f"/api/v1/tasks/{created.json()['id']}", headers=auth).status)
        statuses += [live.request("GET", f"/api/v1/tasks{query}", headers=auth).status for query in LISTINGS]


def test_the_app_behind_a_transaction_pooler_with_prepared_statements_asked_for_serves_every_request(
    database: Database, transaction_pooler: PgBouncer
) -> None:
    # every worker holds 4 client connections from the start: 8 over PgBouncer's 4 server connections
    pools = {"DB_POOL_MIN_SIZE": "4", "DB_POOL_MAX_SIZE": "4", "WEB_THREADS": "4"}
    with live_app(database.url, transaction_pooler.route, DB_PREPARED_STATEMENTS="true", **pools) as live:
        reader, output = _drain(live.process)
        start = threading.Barrier(THREADS)
        per_user: list[list[int]] = [[] for _ in range(THREADS)]
        users = [
            threading.Thread(target=_one_user, args=(live, n, start, per_user[n])) for n in range(THREADS)
        ]
        for user in users:
            user.start()
        for user in users:
            user.join(timeout=120)
        clients = [c for c in transaction_pooler.show("CLIENTS") if c["database"] != "pgbouncer"]
        servers = transaction_pooler.show("SERVERS")
    reader.join(timeout=30)
    assert not any(user.is_alive() for user in users), "a user's requests never finished"
    statuses = Counter(status for done in per_user for status in done)
    assert set(statuses) <= {200, 201}, f"{statuses}; server output:\n{''.join(output)[-3000:]}"
    assert sum(statuses.values()) == THREADS * ROUNDS * (2 + len(LISTINGS))
    # the pooler really shared its server connections among the app's client connections
    assert len(clients) > len(servers), (clients, servers)
    # one line per worker (WEB_CONCURRENCY=2), naming the setting
    assert sum(POOLER_LINE in line for line in output) == 2, "".join(output)
