"""Exactly one next occurrence per completed occurrence, however many requests race for it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import falcon.testing
import pytest

from taskapi.app import TaskApp
from taskapi.db import load_queries
from tests.concurrency import race
from tests.conftest import Api

THREADS = 16


def race_all(call: Callable[[], falcon.testing.Result]) -> list[falcon.testing.Result]:
    """Run `call` from THREADS real threads released at the same moment; they must overlap."""
    outcome = race(THREADS, lambda _: call())
    assert outcome.most_in_flight > 1
    return outcome.results


def successors(api: Api, task: dict[str, Any]) -> list[dict[str, Any]]:
    items = api.request("GET", "/api/v1/tasks", params={"limit": "100"}).json["items"]
    return [t for t in items if t["id"] != task["id"]]


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("PATCH", "", {"completed": True}),
        ("POST", "/toggle", None),
    ],
)
def test_many_threads_completing_one_occurrence_create_exactly_one_successor(
    alice: Api, method: str, suffix: str, body: dict[str, Any] | None
) -> None:
    task = alice.create(due_date="2026-01-05T09:00:00+00:00", recurrence_rule="FREQ=DAILY")
    path = f"/api/v1/tasks/{task['id']}{suffix}"
    results = race_all(lambda: alice.request(method, path, json=body))
    assert [r.status_code for r in results] == [200] * THREADS
    created = successors(alice, task)
    assert [t["due_date"] for t in created] == ["2026-01-06T09:00:00+00:00"]
    # only one response announced it
    announced = [
        r
        for r in results
        if (r.json.get("next_task") if suffix else "next-occurrence" in r.headers.get("link", ""))
    ]
    assert len(announced) == 1


def test_racing_completions_of_the_successor_chain_stay_one_per_occurrence(alice: Api) -> None:
    task = alice.create(due_date="2026-01-05T09:00:00+00:00", recurrence_rule="FREQ=DAILY;COUNT=3")
    for _ in range(3):
        race_all(lambda t=task: alice.request("PATCH", f"/api/v1/tasks/{t['id']}", json={"completed": True}))
        following = [t for t in successors(alice, task) if not t["completed"]]
        if not following:
            break
        assert len(following) == 1
        task = following[0]
    items = alice.request("GET", "/api/v1/tasks", params={"limit": "100"}).json["items"]
    assert sorted(t["due_date"][:10] for t in items) == ["2026-01-05", "2026-01-06", "2026-01-07"]


def test_database_refuses_a_second_successor_of_one_occurrence(app: TaskApp, alice: Api) -> None:
    """The unique index on (user_id, previous_id) holds even if the application's check did not."""
    task = alice.create(due_date="2026-01-05T09:00:00+00:00", recurrence_rule="FREQ=DAILY")
    create_next = load_queries()["tasks/create_next"]
    params = {
        "user_id": alice.user_id,
        "previous_id": uuid.UUID(task["id"]),
        "due_date": "2026-01-06T09:00:00+00:00",
        "reminder_at": None,
        "position": 1,
    }
    with app.db.connection() as conn:
        first = conn.execute(create_next, {**params, "id": uuid.uuid4()}).fetchone()
        second = conn.execute(create_next, {**params, "id": uuid.uuid4()}).fetchone()
    assert first is not None and second is None
    assert len(successors(alice, task)) == 1
