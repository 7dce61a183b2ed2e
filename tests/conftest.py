"""Fixtures: one throwaway PostgreSQL per test session, migrated; the real app over it; tokens."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace

import falcon.testing
import pytest

from taskapi.app import TaskApp, create_app
from taskapi.config import Config
from taskapi.db import migrations
from taskapi.devtools.pgbouncer import pgbouncer
from tests.api import TEST_SECRET, Api
from tests.live import migrated_database
from tests.postgres import Database, throwaway_database
from tests.webhooks import hook_app, user_api, worker_process

POOLED = "pooled"  # the marker of tests whose app reaches PostgreSQL as --via-pgbouncer says
DIRECT = "direct"  # tests about the connection itself (backend pids, prepared statements): never pooled


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--via-pgbouncer",
        action="store_true",
        help="the tests' app reaches PostgreSQL through a real PgBouncer in transaction mode, "
        "with DB_PREPARED_STATEMENTS=false (make test runs the pooled tests once more this way)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{POOLED}: runs its app on the `config` fixture (see --via-pgbouncer)"
    )
    config.addinivalue_line("markers", f"{DIRECT}: about the connection to PostgreSQL itself; never pooled")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "config" in getattr(item, "fixturenames", ()) and item.get_closest_marker(DIRECT) is None:
            item.add_marker(POOLED)


@pytest.fixture(scope="session")
def database() -> Iterator[Database]:
    """A real PostgreSQL: never skipped; without one the session fails, saying how to get one."""
    try:
        with throwaway_database() as db:
            migrations.apply(db.url)
            yield db
    except RuntimeError as exc:
        if "No PostgreSQL server" in str(exc):
            pytest.exit(str(exc), returncode=3)
        raise


@pytest.fixture(scope="session")
def app_route(request: pytest.FixtureRequest, database: Database) -> Iterator[Callable[[str], str]]:
    """How the tests' apps reach a database of the test server: straight, or with
    --via-pgbouncer through one PgBouncer (transaction mode) for the whole session."""
    if not request.config.getoption("--via-pgbouncer"):
        yield lambda url: url
        return
    with pgbouncer(database.url, pool_mode="transaction", pool_size=16) as bouncer:
        yield bouncer.route


@pytest.fixture(scope="session")
def config(database: Database, app_route: Callable[[str], str], request: pytest.FixtureRequest) -> Config:
    pooled = request.config.getoption("--via-pgbouncer")
    return Config(
        database_url=app_route(database.url),
        jwt_secret=TEST_SECRET,
        db_pool_max_size=4,
        db_prepared_statements=not pooled,
    )


@pytest.fixture(scope="session")
def app(config: Config) -> Iterator[TaskApp]:
    app = create_app(config)
    yield app
    app.close()


@pytest.fixture(scope="module")
def hook_db(database: Database) -> Iterator[str]:
    """A database of its own for a module of webhook tests (their worker serves every user in it)."""
    with migrated_database(database.url) as url:
        yield url


@pytest.fixture(scope="module")
def webhook_app(hook_db: str, config: Config, app_route: Callable[[str], str]) -> Iterator[TaskApp]:
    """The app on hook_db (reached as the session's apps are), allowed to subscribe plain-http
    loopback receivers; its workers connect straight to hook_db (LISTEN needs a session)."""
    app = hook_app(app_route(hook_db), prepared_statements=config.db_prepared_statements)
    yield app
    app.close()


@pytest.fixture(scope="module")
def hook_worker(hook_db: str) -> Iterator[None]:
    """A real delivery worker process serving hook_db while the module's tests run."""
    with worker_process(hook_db):
        yield


@pytest.fixture
def user(webhook_app: TaskApp) -> Api:
    """A new user of webhook_app."""
    return user_api(webhook_app, f"user-{uuid.uuid4().hex[:12]}")


@pytest.fixture(scope="session")
def client(app: TaskApp) -> falcon.testing.TestClient:
    return falcon.testing.TestClient(app)


@pytest.fixture
def new_user() -> Callable[[], str]:
    return lambda: f"user-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def wide(config: Config, new_user: Callable[[], str]) -> Iterator[Api]:
    """One user on an app with a pool of 16 connections: 16 threads' transactions at once."""
    app = create_app(replace(config, db_pool_max_size=16))
    try:
        yield Api(falcon.testing.TestClient(app), new_user())
    finally:
        app.close()


@pytest.fixture
def alice(client: falcon.testing.TestClient, new_user: Callable[[], str]) -> Api:
    return Api(client, new_user())


@pytest.fixture
def bob(client: falcon.testing.TestClient, new_user: Callable[[], str]) -> Api:
    return Api(client, new_user())


def pytest_report_header() -> str:
    return "database: " + ("TEST_DATABASE_URL" if os.environ.get("TEST_DATABASE_URL") else "throwaway")
