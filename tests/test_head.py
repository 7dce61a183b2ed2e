"""HEAD is answered wherever GET is: the same status and headers, no body."""

from __future__ import annotations

import falcon.testing
import pytest

from tests.api import Api


@pytest.mark.parametrize("path", ["/health", "/openapi.json", "/docs", "/docs/init.js"])
def test_public_routes_answer_head_like_get(client: falcon.testing.TestClient, path: str) -> None:
    get, head = client.simulate_get(path), client.simulate_head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers["Content-Length"] == str(len(get.content))


def test_task_routes_answer_head_with_their_etag_and_auth(alice: Api, bob: Api) -> None:
    task = alice.create(title="head me")
    path = f"/api/v1/tasks/{task['id']}"
    head = alice.request("HEAD", path)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["ETag"] == alice.request("GET", path).headers["ETag"]
    assert alice.request("HEAD", path, headers={"If-None-Match": head.headers["ETag"]}).status_code == 304
    assert bob.request("HEAD", path).status_code == 404
    assert alice.client.simulate_head(path).status_code == 401
    for listing in ("/api/v1/tasks", "/api/v1/sync", "/api/v1/reminders", "/api/v1/tasks.ics"):
        assert alice.request("HEAD", listing).status_code == 200, listing


def test_head_is_in_allow_and_not_in_the_document(client: falcon.testing.TestClient, alice: Api) -> None:
    task = alice.create()
    allow = alice.request("POST", f"/api/v1/tasks/{task['id']}").headers["Allow"]
    assert "HEAD" in allow and "GET" in allow
    paths = client.simulate_get("/openapi.json").json["paths"]
    assert all("head" not in operations for operations in paths.values())
