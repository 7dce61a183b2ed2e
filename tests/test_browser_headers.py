"""CORS for the allowed origins only, and the security headers on every response."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import falcon.testing
import pytest

from taskapi.app import create_app
from taskapi.config import Config
from tests.api import Api

FRONTEND = "https://app.example.com"
STRANGER = "https://evil.example.net"


@pytest.fixture(scope="module")
def cors_client(config: Config) -> Iterator[falcon.testing.TestClient]:
    app = create_app(dataclasses.replace(config, cors_origins=(FRONTEND,), hsts_seconds=31536000))
    yield falcon.testing.TestClient(app)
    app.close()


def preflight(
    client: falcon.testing.TestClient, origin: str, path: str = "/api/v1/tasks"
) -> falcon.testing.Result:
    return client.simulate_options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization, content-type, if-match",
        },
    )


def test_preflight_from_allowed_origin_is_answered_without_a_token(
    cors_client: falcon.testing.TestClient,
) -> None:
    result = preflight(cors_client, FRONTEND, "/api/v1/tasks/019a5f3c-7d2e-7b4a-9c1e-2f3a4b5c6d7e")

    assert result.status_code == 204
    assert result.headers["Access-Control-Allow-Origin"] == FRONTEND
    assert "PATCH" in result.headers["Access-Control-Allow-Methods"]
    allowed = {h.strip().lower() for h in result.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "if-match", "if-none-match", "idempotency-key"} <= allowed
    assert int(result.headers["Access-Control-Max-Age"]) > 0
    assert "Origin" in result.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in result.headers


def test_preflight_from_other_origin_gets_no_cors_headers(cors_client: falcon.testing.TestClient) -> None:
    result = preflight(cors_client, STRANGER)

    assert not [name for name in result.headers if name.lower().startswith("access-control-")]


def test_response_to_allowed_origin_exposes_etag_location_and_request_id(
    cors_client: falcon.testing.TestClient, alice: Api
) -> None:
    alice_there = Api(cors_client, alice.user_id)
    result = alice_there.request(
        "POST", "/api/v1/tasks", json={"title": "from the browser"}, headers={"Origin": FRONTEND}
    )

    assert result.status_code == 201
    assert result.headers["Access-Control-Allow-Origin"] == FRONTEND
    exposed = {h.strip() for h in result.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "Location", "X-Request-ID"} <= exposed


def test_response_to_other_origin_has_no_allow_origin(
    cors_client: falcon.testing.TestClient, alice: Api
) -> None:
    result = Api(cors_client, alice.user_id).request("GET", "/api/v1/tasks", headers={"Origin": STRANGER})

    assert result.status_code == 200
    assert "Access-Control-Allow-Origin" not in result.headers
    assert "Origin" in result.headers["Vary"]


def test_without_cors_origins_there_are_no_cors_headers(client: falcon.testing.TestClient) -> None:
    result = preflight(client, FRONTEND)

    assert "Access-Control-Allow-Origin" not in result.headers


@pytest.mark.parametrize("path", ["/health", "/api/v1/tasks", "/api/v1/nowhere", "/docs"])
def test_every_response_carries_the_security_headers(
    cors_client: falcon.testing.TestClient, path: str
) -> None:
    result = cors_client.simulate_get(path)  # 200, 401 and 404 alike

    assert result.headers["X-Content-Type-Options"] == "nosniff"
    assert result.headers["Referrer-Policy"] == "no-referrer"
    assert result.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_hsts_is_off_by_default(client: falcon.testing.TestClient) -> None:
    assert "Strict-Transport-Security" not in client.simulate_get("/health").headers


def test_task_data_is_private_and_not_cached_unchecked(alice: Api) -> None:
    task = alice.create()
    for path in ("/api/v1/tasks", f"/api/v1/tasks/{task['id']}"):
        assert alice.request("GET", path).headers["Cache-Control"] == "private, no-cache"


def test_body_over_the_limit_is_413(alice: Api, config: Config) -> None:
    result = alice.request(
        "POST",
        "/api/v1/tasks",
        body=b'{"title": "' + b"x" * config.max_body_bytes + b'"}',
        headers={"Content-Type": "application/json"},
    )

    assert result.status_code == 413 and result.headers["Content-Type"] == "application/problem+json"
