"""The latest moment the API takes, in the zones furthest ahead: every route answers, none overflows."""

from __future__ import annotations

import pytest

from taskapi.schemas import TaskInput, Timestamp
from taskapi.store.tasks import NEW_TASK_TIMES
from tests.api import Api


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Asia/Tokyo", "Etc/GMT-14", "America/Adak"])
@pytest.mark.parametrize("rule", [None, "FREQ=DAILY"])
def test_the_latest_due_date_in_the_furthest_zones_never_overflows(
    alice: Api, zone: str, rule: str | None
) -> None:
    body = {
        "title": "edge",
        "due_date": "9999-12-30T23:59:59-23:59",
        "timezone": zone,
        "recurrence_rule": rule,
    }
    r = alice.request("POST", "/api/v1/tasks", json=body)
    if rule is not None and r.status_code == 400:  # a series that cannot go on: refused, clearly
        assert "recurrence_rule" in r.json["errors"]
        return
    assert r.status_code == 201, r.text
    tid = r.json["id"]
    for method, path, b in [
        ("GET", f"/api/v1/tasks/{tid}/occurrences?count=5", None),
        ("GET", "/api/v1/tasks.ics", None),
        ("POST", f"/api/v1/tasks/{tid}/toggle", None),
        ("PATCH", f"/api/v1/tasks/{tid}", {"timezone": "Pacific/Kiritimati"}),
        ("GET", "/api/v1/tasks?sort_by=due_date", None),
        ("GET", "/api/v1/reminders", None),
        ("GET", "/api/v1/sync", None),
    ]:
        res = alice.request(method, path, json=b)
        assert res.status_code < 500, (method, path, res.text)


def test_every_timestamp_of_a_new_task_is_stored_from_utc_alone_and_in_a_batch(alice: Api) -> None:
    """A new task's rows reach PostgreSQL as JSON, with each datetime in UTC (it reads no offset
    beyond 15:59): the store converts the fields NEW_TASK_TIMES names, which must be all of them."""
    timestamps = {name for name, field in TaskInput().fields.items() if isinstance(field, Timestamp)}
    assert timestamps == set(NEW_TASK_TIMES)
    body = {
        "title": "edge",
        "due_date": "9999-12-30T23:59:59-23:59",
        "reminder_at": "9999-12-30T23:00:00-23:59",
    }
    alone = alice.request("POST", "/api/v1/tasks", json=body)
    assert alone.status_code == 201, alone.text
    operations = [{"method": "POST", "path": "/api/v1/tasks", "body": body}] * 2
    batch = alice.request("POST", "/api/v1/batch", json={"operations": operations})
    assert batch.status_code == 200, batch.text
    for created in (alone.json, *(r["body"] for r in batch.json["results"])):
        assert created["due_date"].startswith("9999-12-31T23:58:59")
        assert created["reminder_at"].startswith("9999-12-31T22:59:00")
