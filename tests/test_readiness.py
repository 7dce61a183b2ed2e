"""GET /health is readiness from a background ping on its own connection: a database blip shorter
than the window leaves it 200, a longer outage turns it 503 until the database is back; GET
/health/live never depends on the database."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator

import falcon.testing
import psycopg
import pytest

from taskapi.app import TaskApp, create_app
from taskapi.config import Config
from tests.api import TEST_SECRET, make_token
from tests.postgres import Database
from tests.restartable import restartable_database

Answer = tuple[int, str, int]  # /health status code, its "database", /health/live status code
MakeClient = Callable[[float], falcon.testing.TestClient]  # an app with this window, its client


@pytest.fixture(scope="module")
def restartable() -> Iterator[Database]:
    with restartable_database() as db:
        yield db


@pytest.fixture
def make_client(restartable: Database) -> Iterator[MakeClient]:
    apps: list[TaskApp] = []

    def make(window: float) -> falcon.testing.TestClient:
        apps.append(
            create_app(
                Config(database_url=restartable.url, jwt_secret=TEST_SECRET, health_db_window_seconds=window)
            )
        )
        return falcon.testing.TestClient(apps[-1])

    yield make
    for app in apps:
        app.close()


def answer(client: falcon.testing.TestClient) -> Answer:
    health = client.simulate_get("/health")
    return health.status_code, health.json["database"], client.simulate_get("/health/live").status_code


def poll_until(client: falcon.testing.TestClient, database: str, limit: float = 15) -> list[Answer]:
    """Every answer until /health reports `database`, the last one included."""
    answers, deadline = [answer(client)], time.monotonic() + limit
    while answers[-1][1] != database:
        if time.monotonic() > deadline:
            raise AssertionError(
                f"/health did not report database {database!r} within {limit} s: {answers[-5:]}"
            )
        time.sleep(0.05)
        answers.append(answer(client))
    return answers


def test_a_database_blip_shorter_than_the_window_leaves_health_200(
    restartable: Database, make_client: MakeClient
) -> None:
    assert restartable.cluster is not None
    client = make_client(20)  # longer than the stop, its detection and the start take
    assert poll_until(client, "ok")[-1] == (200, "ok", 200)

    restartable.cluster.stop("fast")
    try:
        during = poll_until(client, "failing")  # the pings noticed
    finally:
        restartable.cluster.start()
    after = poll_until(client, "ok")

    assert {(status, live) for status, _, live in during + after} == {(200, 200)}
    assert {database for _, database, _ in during + after} == {"ok", "failing"}


def test_an_outage_longer_than_the_window_is_503_until_the_database_returns(
    restartable: Database, make_client: MakeClient
) -> None:
    assert restartable.cluster is not None
    client = make_client(1)
    poll_until(client, "ok")

    restartable.cluster.stop("fast")
    try:
        down = poll_until(client, "unavailable")
        refused = client.simulate_get("/health")
    finally:
        restartable.cluster.start()
    back = poll_until(client, "ok")

    assert (200, "failing", 200) in down  # first tolerated for the window, then reported
    assert down[-1] == (503, "unavailable", 200)
    assert refused.json == {"status": "unavailable", "database": "unavailable"}
    assert int(refused.headers["Retry-After"]) >= 1
    assert back[-1] == (200, "ok", 200)
    assert {live for _, _, live in down + back} == {200}


@pytest.fixture
def one_connection_app(config: Config) -> Iterator[TaskApp]:
    app = create_app(dataclasses.replace(config, db_pool_min_size=1, db_pool_max_size=1, db_pool_timeout=0.3))
    yield app
    app.close()


@pytest.mark.direct  # counts the readiness connection in pg_stat_activity, which a pooler hides
def test_health_answers_while_every_pool_connection_is_taken(
    one_connection_app: TaskApp, database: Database
) -> None:
    client = falcon.testing.TestClient(one_connection_app)
    auth = {"Authorization": f"Bearer {make_token('readiness-user')}"}
    assert client.simulate_get("/health").json == {"status": "ok", "database": "ok"}

    with one_connection_app.db.connection():  # the pool's only connection, held as a slow request would
        api = client.simulate_get("/api/v1/tasks", headers=auth)
        health = client.simulate_get("/health")
    with psycopg.connect(database.url) as conn:
        pingers = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'taskapi-readiness'"
        ).fetchone()

    assert api.status_code == 503  # the pool really was exhausted
    assert health.status_code == 200 and health.json == {"status": "ok", "database": "ok"}
    assert pingers is not None and pingers[0] >= 1  # the ping has a connection of its own


def test_liveness_never_touches_the_database(config: Config) -> None:
    app = create_app(dataclasses.replace(config, database_url="postgresql://nobody@127.0.0.1:9/none"))
    try:
        client = falcon.testing.TestClient(app)
        live, ready = client.simulate_get("/health/live"), client.simulate_get("/health")
    finally:
        app.close()

    assert live.status_code == 200 and live.json == {"status": "ok"}
    assert ready.status_code == 503


@pytest.mark.parametrize("path", ["/health", "/health/live"])
def test_head_answers_like_get_without_a_body(client: falcon.testing.TestClient, path: str) -> None:
    got, head = client.simulate_get(path), client.simulate_head(path)

    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["Content-Length"] == str(len(got.content))
    assert head.headers["Content-Type"] == "application/json"
