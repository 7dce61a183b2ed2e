"""Webhooks end to end: writes over HTTP, a real worker process, a real receiver. One signed event per
changed task, in commit order, its data the task as GET shows it after the change; events only for
the subscriptions (of the same user) that want them; a rolled-back write sends nothing."""

from __future__ import annotations

import json
import uuid
from typing import Any

import psycopg
import pytest
from standardwebhooks import Webhook

from taskapi.app import TaskApp
from tests.api import Api
from tests.webhooks import Received, receiver, subscribe, user_api

pytestmark = pytest.mark.usefixtures("hook_worker")  # a delivery worker on hook_db for the module


def bodies(received: list[Received]) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in received]


def test_each_change_is_one_signed_event_whose_data_is_the_task_as_read(user: Api) -> None:
    with receiver() as hook:
        secret = subscribe(user, hook.url)["secret"]
        task = user.create(title="Water the plants", tags=["home"], due_date="2026-11-22T09:00:00+01:00")
        states = [user.request("GET", f"/api/v1/tasks/{task['id']}").json]
        patched = user.request("PATCH", f"/api/v1/tasks/{task['id']}", json={"priority": "high"})
        states.append(patched.json)
        states.append(user.request("POST", f"/api/v1/tasks/{task['id']}/toggle").json["task"])
        states.append(user.request("POST", f"/api/v1/tasks/{task['id']}/toggle").json["task"])
        assert user.request("DELETE", f"/api/v1/tasks/{task['id']}").status_code == 204

        received = hook.wait_for(5)
    events = bodies(received)
    assert [e["type"] for e in events] == [
        "task.created",
        "task.updated",
        "task.completed",
        "task.updated",  # reopening
        "task.deleted",
    ]
    assert [e["data"] for e in events[:4]] == states
    assert events[4]["data"] == {"id": task["id"]}
    for got, event in zip(received, events, strict=True):
        assert got.headers["webhook-id"] == event["id"]
        assert got.headers["webhook-signature"].startswith("v1,")
        assert got.headers["content-type"] == "application/json"
        assert Webhook(secret).verify(got.body, got.headers) == event
    assert len({e["id"] for e in events}) == 5


def test_a_signature_made_with_another_secret_does_not_verify(user: Api) -> None:
    with receiver() as hook:
        subscribe(user, hook.url)
        user.create()
        got = hook.wait_for(1)[0]
    other = "whsec_" + "QUJD" * 8
    with pytest.raises(Exception, match="signature"):
        Webhook(other).verify(got.body, got.headers)


def test_completing_a_recurring_task_sends_completed_then_created(user: Api) -> None:
    with receiver() as hook:
        subscribe(user, hook.url)
        task = user.create(due_date="2026-11-23T09:00:00+00:00", recurrence_rule="FREQ=DAILY")
        toggled = user.request("POST", f"/api/v1/tasks/{task['id']}/toggle").json
        events = bodies(hook.wait_for(3))
    assert [e["type"] for e in events] == ["task.created", "task.completed", "task.created"]
    assert events[1]["data"]["id"] == task["id"]
    assert events[2]["data"] == toggled["next_task"]


def test_a_subscription_gets_only_the_events_it_asked_for(user: Api) -> None:
    with receiver() as deletions, receiver() as everything:
        subscribe(user, deletions.url, ["task.deleted"])
        subscribe(user, everything.url)
        task = user.create()
        user.request("PATCH", f"/api/v1/tasks/{task['id']}", json={"title": "renamed"})
        user.request("DELETE", f"/api/v1/tasks/{task['id']}")
        assert [e["type"] for e in bodies(everything.wait_for(3))] == [
            "task.created",
            "task.updated",
            "task.deleted",
        ]
        assert [e["type"] for e in bodies(deletions.wait_for(1))] == ["task.deleted"]
        assert len(deletions.received) == 1


def test_events_go_only_to_the_subscriptions_of_the_user_whose_data_changed(
    webhook_app: TaskApp, user: Api
) -> None:
    other = user_api(webhook_app, f"user-{uuid.uuid4().hex[:12]}")
    with receiver() as hook:
        subscribe(user, hook.url)
        other.create(title="not yours")
        user.create(title="yours")
        events = bodies(hook.wait_for(1))
        user.create(title="yours too")
        events = bodies(hook.wait_for(2))
    assert [e["data"]["title"] for e in events] == ["yours", "yours too"]


def test_a_rolled_back_write_sends_nothing_and_a_committed_batch_sends_one_event_per_task(user: Api) -> None:
    def creates(*titles: str) -> list[dict[str, Any]]:
        return [{"method": "POST", "path": "/api/v1/tasks", "body": {"title": t}} for t in titles]

    with receiver() as hook:
        subscribe(user, hook.url)
        # three creates, then an operation that fails: the batch's transaction rolls back
        failed = creates("rolled back one", "rolled back two", "rolled back three")
        failed.append({"method": "PATCH", "path": f"/api/v1/tasks/{uuid.uuid4()}", "body": {"title": "x"}})
        assert user.request("POST", "/api/v1/batch", json={"operations": failed}).status_code == 404
        committed = user.request("POST", "/api/v1/batch", json={"operations": creates("one", "two", "three")})
        assert committed.status_code == 200, committed.text
        user.create(title="after")
        events = bodies(hook.wait_for(4))
    assert [(e["type"], e["data"]["title"]) for e in events] == [
        ("task.created", "one"),
        ("task.created", "two"),
        ("task.created", "three"),
        ("task.created", "after"),
    ]


def test_writes_of_a_user_without_subscriptions_leave_no_outbox_rows(hook_db: str, user: Api) -> None:
    task = user.create()
    user.request("PATCH", f"/api/v1/tasks/{task['id']}", json={"title": "x"})
    user.request("DELETE", f"/api/v1/tasks/{task['id']}")
    with psycopg.connect(hook_db) as conn:
        count = conn.execute(
            "SELECT count(*) FROM webhook_events WHERE user_id = %s", (user.user_id,)
        ).fetchone()
    assert count == (0,)


def test_a_list_and_its_cascades_count_each_object(user: Api) -> None:
    """Deleting a list with three tasks: one list.deleted and three task.deleted; completing a
    parent with two open subtasks: three task.completed."""
    with receiver() as hook:
        subscribe(user, hook.url)
        made = user.request("POST", "/api/v1/lists", json={"name": "Errands"})
        assert made.status_code == 201, made.text
        errands = made.json
        parent = user.create(title="Shop", list_id=errands["id"])
        for title in ("Milk", "Bread"):
            user.create(title=title, parent_id=parent["id"])
        assert user.request("POST", f"/api/v1/tasks/{parent['id']}/toggle").status_code == 200
        assert user.request("DELETE", f"/api/v1/lists/{errands['id']}").status_code == 204
        events = bodies(hook.wait_for(1 + 3 + 3 + 4))
    types = [e["type"] for e in events]
    assert types[:4] == ["list.created", "task.created", "task.created", "task.created"]
    assert events[0]["data"] == {**errands, "open_tasks": 0}
    assert sorted(types[4:7]) == ["task.completed"] * 3
    assert sorted(types[7:]) == ["list.deleted", "task.deleted", "task.deleted", "task.deleted"]
