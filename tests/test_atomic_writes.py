"""One request, one transaction: a write that fails anywhere leaves nothing behind, and a stale
If-Match changes nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from taskapi.domain import recurrence
from tests.api import Api

TASKS = "/api/v1/tasks"
SERIES = {"title": "daily", "due_date": "2026-11-23T09:00:00+00:00", "recurrence_rule": "FREQ=DAILY"}


def snapshot(api: Api) -> tuple[list[dict[str, Any]], list[str]]:
    """Everything the user has, and everything the sync feed shows after a cursor taken now."""
    tasks = api.request("GET", TASKS, params={"limit": "100"}).json["items"]
    return tasks, api.request("GET", "/api/v1/sync").json["cursor"]


def assert_unchanged(api: Api, before: tuple[list[dict[str, Any]], str]) -> None:
    tasks, cursor = before
    assert api.request("GET", TASKS, params={"limit": "100"}).json["items"] == tasks
    feed = api.request("GET", "/api/v1/sync", params={"cursor": cursor}).json
    assert feed["changed"] == [] and feed["deleted"] == []


def completing_writes(task: dict[str, Any]) -> list[tuple[str, str, dict[str, Any] | None]]:
    item = f"{TASKS}/{task['id']}"
    return [
        ("POST", f"{item}/toggle", None),
        ("PATCH", item, {"completed": True}),
        ("PUT", item, {**SERIES, "completed": True}),
    ]


@pytest.mark.parametrize("which", [0, 1, 2], ids=["toggle", "patch", "put"])
def test_a_rollover_that_breaks_a_constraint_leaves_the_task_as_it_was(
    alice: Api, monkeypatch: pytest.MonkeyPatch, which: int
) -> None:
    task = alice.create(**SERIES)
    before = snapshot(alice)
    # the next occurrence would get a reminder after its due date: tasks_reminder_check refuses it
    monkeypatch.setattr(recurrence, "reminder_for", lambda task, due: due + timedelta(days=1))
    method, path, body = completing_writes(task)[which]
    result = alice.request(method, path, json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert result.status_code == 400
    assert result.headers["Content-Type"] == "application/problem+json"
    assert_unchanged(alice, before)


@pytest.mark.parametrize("which", [0, 1, 2], ids=["toggle", "patch", "put"])
def test_a_crash_during_the_rollover_leaves_the_task_as_it_was(
    alice: Api, monkeypatch: pytest.MonkeyPatch, which: int
) -> None:
    task = alice.create(**SERIES)
    before = snapshot(alice)

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("crash in the middle of the rollover")

    monkeypatch.setattr(recurrence, "next_due", crash)
    method, path, body = completing_writes(task)[which]
    result = alice.request(method, path, json=body)
    assert result.status_code == 500
    assert "crash" not in result.text  # no internals reach the client
    assert_unchanged(alice, before)


def test_a_failed_rollover_with_an_idempotency_key_keeps_the_key_free_for_the_retry(
    alice: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = alice.create(**SERIES)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    path = f"{TASKS}/{task['id']}/toggle"
    with monkeypatch.context() as patched:
        patched.setattr(recurrence, "next_due", lambda *a, **k: 1 / 0)
        assert alice.request("POST", path, headers=key).status_code == 500
    retried = alice.request("POST", path, headers=key)
    assert retried.status_code == 200
    assert retried.json["task"]["version"] == 2 and retried.json["next_task"] is not None
    assert alice.request("GET", TASKS).json["total"] == 2


def test_a_create_that_fails_after_its_insert_leaves_no_task_and_no_key(
    alice: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    before = snapshot(alice)
    with monkeypatch.context() as patched:
        # fails after the INSERT ran, while its answer is being stored
        patched.setattr("taskapi.http.idempotency.saved_from", lambda resp: 1 / 0)
        assert alice.request("POST", TASKS, json={"title": "x"}, headers=key).status_code == 500
    assert_unchanged(alice, before)
    assert alice.request("POST", TASKS, json={"title": "x"}, headers=key).status_code == 201
    assert alice.request("GET", TASKS).json["total"] == 1


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("PUT", "", {"title": "replaced"}),
        ("PATCH", "", {"title": "patched"}),
        ("DELETE", "", None),
        ("POST", "/toggle", None),
    ],
)
def test_a_stale_if_match_is_412_with_the_current_task_and_changes_nothing(
    alice: Api, method: str, suffix: str, body: dict[str, Any] | None
) -> None:
    task = alice.create(title="original")
    item = f"{TASKS}/{task['id']}"
    current = alice.request("PATCH", item, json={"title": "moved on"}).json  # now version 2
    before = snapshot(alice)
    result = alice.request(method, item + suffix, json=body, headers={"If-Match": '"1"'})
    assert result.status_code == 412
    assert result.headers["Content-Type"] == "application/problem+json"
    assert result.json["current"] == current
    assert result.headers["ETag"] == '"2"'
    assert_unchanged(alice, before)


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [("PUT", "", {"title": "replaced"}), ("PATCH", "", {"title": "patched"}), ("POST", "/toggle", None)],
)
def test_every_write_bumps_the_version_by_one(
    alice: Api, method: str, suffix: str, body: dict[str, Any] | None
) -> None:
    task = alice.create()
    result = alice.request(method, f"{TASKS}/{task['id']}{suffix}", json=body, headers={"If-Match": '"1"'})
    assert result.status_code == 200
    changed = result.json.get("task", result.json)
    assert changed["version"] == 2
    assert result.headers["ETag"] == '"2"'
