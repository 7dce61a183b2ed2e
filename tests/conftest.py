"""Fixtures: one throwaway PostgreSQL per test session, migrated; the real app over it; tokens."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import falcon.testing
import jwt
import pytest

from taskapi import migrations
from taskapi.app import TaskApp, create_app
from taskapi.config import Config
from tests.postgres import Database, throwaway_database

TEST_SECRET = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


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
    app.db.close()


@pytest.fixture(scope="session")
def client(app: TaskApp) -> falcon.testing.TestClient:
    return falcon.testing.TestClient(app)


def make_token(user_id: str, secret: str = TEST_SECRET, algorithm: str = "HS256", **claims: Any) -> str:
    payload = {"sub": user_id, "iat": int(time.time()), "exp": int(time.time()) + 600, **claims}
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, secret, algorithm=algorithm)


class Api:
    """The API as one user sees it: every call carries that user's bearer token."""

    def __init__(self, client: falcon.testing.TestClient, user_id: str) -> None:
        self.client = client
        self.user_id = user_id
        self.token = make_token(user_id)

    def request(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> falcon.testing.Result:
        return self.client.simulate_request(
            method, path, headers={"Authorization": f"Bearer {self.token}", **(headers or {})}, **kwargs
        )

    def create(self, **fields: Any) -> dict[str, Any]:
        result = self.request("POST", "/api/v1/tasks", json={"title": "a task", **fields})
        assert result.status_code == 201, result.text
        return result.json


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
