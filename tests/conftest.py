"""Fixtures: one throwaway PostgreSQL per test session, migrated; the real app over it; tokens."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import falcon.testing
import pytest

from taskapi.app import TaskApp, create_app
from taskapi.config import Config
from taskapi.db import migrations
from tests.api import TEST_SECRET, Api
from tests.live import migrated_database
from tests.postgres import Database, throwaway_database
from tests.webhooks import hook_app


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
def config(database: Database) -> Config:
    return Config(database_url=database.url, jwt_secret=TEST_SECRET, db_pool_max_size=4)


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
def webhook_app(hook_db: str) -> Iterator[TaskApp]:
    """The app on hook_db, allowed to subscribe plain-http loopback receivers."""
    app = hook_app(hook_db)
    yield app
    app.close()


@pytest.fixture(scope="session")
def client(app: TaskApp) -> falcon.testing.TestClient:
    return falcon.testing.TestClient(app)


@pytest.fixture
def new_user() -> Callable[[], str]:
    return lambda: f"user-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def alice(client: falcon.testing.TestClient, new_user: Callable[[], str]) -> Api:
    return Api(client, new_user())


@pytest.fixture
def bob(client: falcon.testing.TestClient, new_user: Callable[[], str]) -> Api:
    return Api(client, new_user())


def pytest_report_header() -> str:
    return "database: " + ("TEST_DATABASE_URL" if os.environ.get("TEST_DATABASE_URL") else "throwaway")
