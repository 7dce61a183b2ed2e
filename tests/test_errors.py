"""Every error is problem+json; a crash shows the client only a request id; every response has one."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace

import falcon
import falcon.testing
import pytest

from taskapi.app import create_app
from taskapi.config import Config
from tests.api import Api

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "request_id"}


def test_unknown_route_is_404_problem(alice: Api) -> None:
    result = alice.request("GET", "/api/v1/nothing-here")

    assert result.status_code == 404
    assert result.headers["Content-Type"] == "application/problem+json"
    assert set(result.json) == PROBLEM_KEYS
    assert result.json["title"] == "Not Found" and result.json["instance"] == "/api/v1/nothing-here"


def test_malformed_task_id_is_404(alice: Api) -> None:
    assert alice.request("GET", "/api/v1/tasks/not-a-uuid").status_code == 404


def test_wrong_method_is_405_with_allow(alice: Api) -> None:
    result = alice.request("DELETE", "/api/v1/tasks")

    assert result.status_code == 405
    assert set(result.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert result.json["status"] == 405 and "DELETE" in result.json["detail"]


def test_client_request_id_is_echoed_when_sane(alice: Api) -> None:
    sane = alice.request("GET", "/api/v1/tasks", headers={"X-Request-ID": "abc-123.x"})
    insane = alice.request("GET", "/api/v1/tasks", headers={"X-Request-ID": "<script>" + "x" * 300})

    assert sane.headers["X-Request-ID"] == "abc-123.x"
    assert insane.headers["X-Request-ID"] != "<script>" and len(insane.headers["X-Request-ID"]) == 32


def test_every_response_has_a_request_id_and_nosniff(alice: Api, client: falcon.testing.TestClient) -> None:
    for result in (
        alice.request("GET", "/api/v1/tasks"),
        client.simulate_get("/api/v1/tasks"),
        client.simulate_get("/health"),
        alice.request("GET", "/nope"),
    ):
        assert result.headers["X-Request-ID"]
        assert result.headers["X-Content-Type-Options"] == "nosniff"


class Boom:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        raise RuntimeError("secret internal detail: SELECT * FROM tasks")


@pytest.fixture
def crashing_client(config: Config) -> Iterator[falcon.testing.TestClient]:
    app = create_app(config)
    app.add_route("/api/v1/boom", Boom())
    yield falcon.testing.TestClient(app)
    app.close()


def test_a_crash_is_500_with_only_the_request_id_and_logged_once(
    crashing_client: falcon.testing.TestClient, alice: Api, caplog: pytest.LogCaptureFixture
) -> None:
    headers = {"Authorization": f"Bearer {alice.token}", "X-Request-ID": "req-crash-1"}
    with caplog.at_level(logging.ERROR, logger="taskapi.http.errors"):
        result = crashing_client.simulate_get("/api/v1/boom", headers=headers)

    assert result.status_code == 500
    assert result.json["request_id"] == "req-crash-1" and "req-crash-1" in result.json["detail"]
    assert "SELECT" not in result.text and "RuntimeError" not in result.text
    errors = [r for r in caplog.records if r.name == "taskapi.http.errors"]
    assert len(errors) == 1 and errors[0].exc_info is not None
    assert errors[0].__dict__["request_id"] == "req-crash-1"


def test_health_is_ok_with_a_database(client: falcon.testing.TestClient) -> None:
    result = client.simulate_get("/health")

    assert result.status_code == 200 and result.json == {"status": "ok", "database": "ok"}


@pytest.fixture
def client_without_database(config: Config) -> Iterator[falcon.testing.TestClient]:
    # port 9 (discard) on loopback: nothing listens, connections are refused at once
    app = create_app(
        replace(config, database_url="postgresql://nobody@127.0.0.1:9/none", db_pool_timeout=0.5)
    )
    yield falcon.testing.TestClient(app)
    app.close()


def test_health_is_503_when_the_database_is_down(client_without_database: falcon.testing.TestClient) -> None:
    result = client_without_database.simulate_get("/health")

    assert result.status_code == 503
    assert result.json == {"status": "unavailable", "database": "unavailable"}
    assert result.headers["Retry-After"]


def test_api_is_503_with_retry_after_when_the_database_is_down(
    client_without_database: falcon.testing.TestClient, alice: Api
) -> None:
    result = client_without_database.simulate_get(
        "/api/v1/tasks", headers={"Authorization": f"Bearer {alice.token}"}
    )

    assert result.status_code == 503
    assert result.headers["Retry-After"] and result.json["type"] == "/problems/database-unavailable"
