"""Hostile rules through HTTP: a clear 400 naming recurrence_rule or an answer, within the budget."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import falcon.testing
import psycopg
import pytest

from taskapi.app import TaskApp
from taskapi.domain import budget, recurrence
from tests.conftest import Api
from tests.postgres import Database

M16 = ",".join(str(n) for n in range(16))
M60 = ",".join(str(n) for n in range(60))
NEAR = "2026-01-05T09:00:00+00:00"
# (rule, due date, zone)
HOSTILE = [
    (f"FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30;BYMINUTE={M16};BYSECOND={M16}", NEAR, "UTC"),
    (f"FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30;BYMINUTE={M60};BYSECOND={M60}", NEAR, "UTC"),
    (f"FREQ=HOURLY;BYMINUTE={M60};BYSECOND={M60}", NEAR, "UTC"),
    ("FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;BYHOUR=9", NEAR, "UTC"),
    ("FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;BYHOUR=9", "8996-01-05T09:00:00+00:00", "UTC"),
    ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", NEAR, "Europe/Berlin"),
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;BYSETPOS=1,-1", NEAR, "UTC"),
    ("FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO;BYMONTH=1", NEAR, "UTC"),
    ("FREQ=MONTHLY;BYWEEKNO=53;BYDAY=MO,TU;BYSETPOS=-1,2,3", NEAR, "UTC"),
    ("FREQ=HOURLY;INTERVAL=999999999", NEAR, "UTC"),
    ("FREQ=YEARLY;INTERVAL=999999999", NEAR, "UTC"),
    ("FREQ=WEEKLY;INTERVAL=999999999;BYDAY=MO,FR", NEAR, "UTC"),
    ("FREQ=HOURLY", "9999-12-29T23:00:00+00:00", "America/New_York"),
    ("FREQ=DAILY", "9999-12-29T12:00:00+00:00", "Pacific/Kiritimati"),
    ("FREQ=DAILY;UNTIL=99991231T235959", "9999-12-28T12:00:00+00:00", "America/New_York"),
    ("FREQ=DAILY;UNTIL=00010101", NEAR, "Asia/Tokyo"),
]


@contextmanager
def bounded() -> Iterator[None]:
    """The request's recurrence work stays within the budget: at most a check and a rollover,
    each counted within its steps, and the whole request a fraction of a second of CPU."""
    started = time.thread_time()
    with budget.observe() as seen:
        yield
    assert len(seen) <= 2 and all(steps <= budget.STEPS for steps in seen), seen
    assert time.thread_time() - started < 1.0  # CPU time of this thread (36 s before the budget)


def answered(result: falcon.testing.Result, *ok: int) -> None:
    assert result.status_code in (*ok, 400), result.text
    if result.status_code == 400:
        assert list(result.json["errors"]) == ["recurrence_rule"], result.text


def stored_as_is(app: TaskApp, api: Api, rule: str, due: str, zone: str) -> str:
    """A task holding the rule without today's checks (as a row stored before them would)."""
    task = api.create(due_date=NEAR, recurrence_rule="FREQ=DAILY")
    with app.db.connection() as conn:
        conn.execute(
            "UPDATE tasks SET recurrence_rule = %s, due_date = %s, series_start = %s, timezone = %s "
            "WHERE user_id = %s AND id = %s",
            (rule, due, due, zone, api.user_id, uuid.UUID(task["id"])),
        )
    return str(task["id"])


@pytest.mark.parametrize(("rule", "due", "zone"), HOSTILE)
def test_a_hostile_rule_is_answered_within_the_budget(
    app: TaskApp, alice: Api, rule: str, due: str, zone: str
) -> None:
    body = {"title": "t", "due_date": due, "timezone": zone, "recurrence_rule": rule}
    with bounded():
        answered(alice.request("POST", "/api/v1/tasks", json=body), 201)
    plain = alice.create(due_date=NEAR, recurrence_rule="FREQ=DAILY")
    with bounded():
        answered(alice.request("PATCH", f"/api/v1/tasks/{plain['id']}", json=body), 200)
    task_id = stored_as_is(app, alice, rule, due, zone)
    with bounded():
        result = alice.request("GET", f"/api/v1/tasks/{task_id}/occurrences", params={"count": "50"})
    assert result.status_code == 200 and 1 <= len(result.json["items"]) <= 50
    assert all(datetime.fromisoformat(d) <= recurrence.LATEST for d in result.json["items"])
    with bounded():
        answered(alice.request("POST", f"/api/v1/tasks/{task_id}/toggle"), 200)
    with bounded():
        result = alice.request("GET", "/api/v1/tasks.ics")
    assert result.status_code == 200 and task_id in result.text


def test_a_refused_rollover_is_400_and_leaves_the_task_open(app: TaskApp, alice: Api) -> None:
    task_id = stored_as_is(app, alice, "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", NEAR, "UTC")
    result = alice.request("POST", f"/api/v1/tasks/{task_id}/toggle")
    assert result.status_code == 400
    assert "too costly" in result.json["errors"]["recurrence_rule"][0]
    assert alice.request("GET", f"/api/v1/tasks/{task_id}").json["completed"] is False


def test_a_sparse_rule_is_refused_at_write_time_saying_why(alice: Api) -> None:
    body = {"title": "t", "due_date": NEAR, "recurrence_rule": "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO"}
    result = alice.request("POST", "/api/v1/tasks", json=body)
    assert result.status_code == 400
    assert "too costly to expand" in result.json["errors"]["recurrence_rule"][0]


def test_a_series_ends_before_a_date_no_time_zone_can_show(alice: Api) -> None:
    task = alice.create(due_date="9999-12-29T12:00:00+00:00", recurrence_rule="FREQ=HOURLY", timezone="UTC")
    dates = alice.request("GET", f"/api/v1/tasks/{task['id']}/occurrences", params={"count": "50"}).json
    assert dates["items"][-1] == recurrence.LATEST.isoformat()
    for zone in ("Asia/Tokyo", "Pacific/Kiritimati", "America/New_York"):
        patched = alice.request("PATCH", f"/api/v1/tasks/{task['id']}", json={"timezone": zone})
        assert patched.status_code == 200, patched.text
    assert alice.request("GET", "/api/v1/tasks.ics").status_code == 200


def test_a_stored_date_beyond_the_last_one_is_a_400_not_a_500(app: TaskApp, alice: Api) -> None:
    task_id = stored_as_is(app, alice, "FREQ=HOURLY", "9999-12-31T20:00:00+00:00", "UTC")
    result = alice.request("PATCH", f"/api/v1/tasks/{task_id}", json={"timezone": "Asia/Tokyo"})
    assert result.status_code == 400 and list(result.json["errors"]) == ["recurrence_rule"]
    stored_as_is(app, alice, "FREQ=HOURLY", "9999-12-31T20:00:00+00:00", "Asia/Tokyo")
    assert alice.request("GET", "/api/v1/tasks.ics").status_code == 200


# --- PATCH checks without holding the row ----------------------------------------------------------

SPARSE = "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO"


def test_patch_checks_its_rule_holding_no_lock_and_no_transaction(
    database: Database, alice: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = alice.create(due_date=NEAR, recurrence_rule="FREQ=DAILY")
    seen: list[tuple[Any, int]] = []
    real = recurrence.check_series

    def check_while_looking(*args: Any, **kwargs: Any) -> None:
        with psycopg.connect(database.url, autocommit=True) as other:
            # the row is free: no row lock held by the PATCH (NOWAIT fails at once otherwise)
            locked = other.execute(
                "SELECT id FROM tasks WHERE user_id = %s AND id = %s FOR UPDATE NOWAIT",
                (alice.user_id, uuid.UUID(task["id"])),
            ).fetchone()
            # and no open transaction of the app's holds a transaction id (the sync feed waits on it)
            (open_xacts,) = other.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND (backend_xid IS NOT NULL OR state LIKE 'idle in%%')"
            ).fetchone()  # type: ignore[misc]
        seen.append((locked, open_xacts))
        real(*args, **kwargs)

    monkeypatch.setattr(recurrence, "check_series", check_while_looking)
    result = alice.request("PATCH", f"/api/v1/tasks/{task['id']}", json={"recurrence_rule": SPARSE})
    assert result.status_code == 400 and "too costly" in result.text
    assert seen == [((uuid.UUID(task["id"]),), 0)]
    assert alice.request("GET", f"/api/v1/tasks/{task['id']}").json == task


@pytest.mark.parametrize("if_match", [False, True])
def test_patch_starts_again_when_the_task_changed_while_it_was_checked(
    app: TaskApp, alice: Api, monkeypatch: pytest.MonkeyPatch, if_match: bool
) -> None:
    task = alice.create(due_date=NEAR, recurrence_rule="FREQ=DAILY")
    calls: list[int] = []
    real = recurrence.check_series

    def check_and_change_meanwhile(*args: Any, **kwargs: Any) -> None:
        if not calls:
            with app.db.connection() as conn:
                conn.execute(
                    "UPDATE tasks SET title = 'renamed meanwhile', version = version + 1 "
                    "WHERE user_id = %s AND id = %s",
                    (alice.user_id, uuid.UUID(task["id"])),
                )
        calls.append(1)
        real(*args, **kwargs)

    monkeypatch.setattr(recurrence, "check_series", check_and_change_meanwhile)
    headers = {"If-Match": '"1"'} if if_match else {}
    result = alice.request(
        "PATCH", f"/api/v1/tasks/{task['id']}", json={"recurrence_rule": "FREQ=WEEKLY"}, headers=headers
    )
    if if_match:
        assert result.status_code == 412 and len(calls) == 1
        assert alice.request("GET", f"/api/v1/tasks/{task['id']}").json["recurrence_rule"] == "FREQ=DAILY"
    else:
        assert result.status_code == 200 and len(calls) == 2
        assert result.json["title"] == "renamed meanwhile" and result.json["version"] == 3
        assert result.json["recurrence_rule"] == "FREQ=WEEKLY"
