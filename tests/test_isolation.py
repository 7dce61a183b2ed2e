"""Two users: neither can read, change, delete, list or infer the other's tasks."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api import Api

WRITES: list[tuple[str, str, Any]] = [
    ("GET", "", None),
    ("PUT", "", {"title": "stolen"}),
    ("PATCH", "", {"title": "stolen"}),
    ("DELETE", "", None),
    ("POST", "/toggle", None),
]


@pytest.mark.parametrize(("method", "suffix", "body"), WRITES)
def test_another_users_task_is_404_and_untouched(
    alice: Api, bob: Api, method: str, suffix: str, body: Any
) -> None:
    task = alice.create(title="alice's")
    path = f"/api/v1/tasks/{task['id']}"

    result = bob.request(method, path + suffix, json=body)

    assert result.status_code == 404
    assert result.json["detail"] == "No task with this id."
    assert alice.request("GET", path).json == task


@pytest.mark.parametrize(("method", "suffix", "body"), WRITES)
def test_another_users_task_looks_exactly_like_an_absent_one(
    alice: Api, bob: Api, method: str, suffix: str, body: Any
) -> None:
    """Same status and problem (but for ids) whether the task is someone else's or absent."""
    task = alice.create()
    absent = "01a20000-0000-7000-8000-000000000000"

    theirs = bob.request(method, f"/api/v1/tasks/{task['id']}{suffix}", json=body)
    missing = bob.request(method, f"/api/v1/tasks/{absent}{suffix}", json=body)

    def strip(problem: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in problem.items() if k not in ("instance", "request_id")}

    assert theirs.status_code == missing.status_code == 404
    assert strip(theirs.json) == strip(missing.json)


def test_stale_if_match_on_another_users_task_is_404_not_412(alice: Api, bob: Api) -> None:
    task = alice.create()

    result = bob.request(
        "PATCH", f"/api/v1/tasks/{task['id']}", json={"title": "x"}, headers={"If-Match": '"9"'}
    )
    absent = bob.request(
        "PATCH",
        "/api/v1/tasks/01a20000-0000-7000-8000-000000000000",
        json={"title": "x"},
        headers={"If-Match": '"9"'},
    )

    assert result.status_code == absent.status_code == 404
    assert "current" not in result.json  # a 412 would have shown alice's task
    assert result.json["detail"] == absent.json["detail"]
    assert alice.request("GET", f"/api/v1/tasks/{task['id']}").json == task


def test_listing_shows_only_the_callers_tasks(alice: Api, bob: Api) -> None:
    mine = alice.create(title="alice 1")
    theirs = bob.create(title="bob 1")

    alice_page = alice.request("GET", "/api/v1/tasks").json
    bob_page = bob.request("GET", "/api/v1/tasks").json

    assert [t["id"] for t in alice_page["items"]] == [mine["id"]] and alice_page["total"] == 1
    assert [t["id"] for t in bob_page["items"]] == [theirs["id"]] and bob_page["total"] == 1


def test_user_id_in_a_body_never_moves_a_task(alice: Api, bob: Api) -> None:
    task = alice.create()

    patched = alice.request(
        "PATCH", f"/api/v1/tasks/{task['id']}", json={"user_id": bob.user_id, "title": "t"}
    )

    assert patched.json["user_id"] == alice.user_id
    assert bob.request("GET", "/api/v1/tasks").json["total"] == 0
