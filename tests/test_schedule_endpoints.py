"""The occurrences preview and the reminders feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import Api

DUE = "2026-11-23T09:00:00+00:00"


def get(api: Api, path: str, **params: str) -> Any:
    return api.request("GET", path, params=params)


# --- GET /api/v1/tasks/{id}/occurrences -----------------------------------------------------------


def test_occurrences_default_to_five_starting_with_the_task_due_date(alice: Api) -> None:
    task = alice.create(due_date=DUE, recurrence_rule="FREQ=DAILY")
    result = get(alice, f"/api/v1/tasks/{task['id']}/occurrences")
    assert result.status_code == 200
    assert result.json == {"items": [f"2026-11-{d}T09:00:00+00:00" for d in (23, 24, 25, 26, 27)]}


def test_occurrences_create_nothing(alice: Api) -> None:
    task = alice.create(due_date=DUE, recurrence_rule="FREQ=DAILY")
    get(alice, f"/api/v1/tasks/{task['id']}/occurrences", count="50")
    assert alice.request("GET", "/api/v1/tasks").json["total"] == 1
    assert alice.request("GET", f"/api/v1/tasks/{task['id']}").json == task


def test_occurrences_stop_when_the_series_ends(alice: Api) -> None:
    task = alice.create(due_date=DUE, recurrence_rule="FREQ=WEEKLY;COUNT=3")
    assert len(get(alice, f"/api/v1/tasks/{task['id']}/occurrences", count="10").json["items"]) == 3


def test_occurrences_of_a_later_occurrence_count_from_the_series_start(alice: Api) -> None:
    task = alice.create(due_date=DUE, recurrence_rule="FREQ=WEEKLY;COUNT=3")
    nxt = alice.request("POST", f"/api/v1/tasks/{task['id']}/toggle").json["next_task"]
    assert get(alice, f"/api/v1/tasks/{nxt['id']}/occurrences").json["items"] == [
        "2026-11-30T09:00:00+00:00",
        "2026-12-07T09:00:00+00:00",
    ]


def test_occurrences_match_what_completing_creates(alice: Api) -> None:
    task = alice.create(
        due_date="2026-03-26T09:00:00+01:00",
        timezone="Europe/Berlin",
        recurrence_rule="FREQ=DAILY;INTERVAL=2",
    )
    preview = get(alice, f"/api/v1/tasks/{task['id']}/occurrences", count="4").json["items"]
    dues = [task["due_date"]]
    for _ in range(3):
        task = alice.request("POST", f"/api/v1/tasks/{task['id']}/toggle").json["next_task"]
        dues.append(task["due_date"])
    assert preview == dues


@pytest.mark.parametrize(("due", "expected"), [(DUE, [DUE]), (None, [])])
def test_occurrences_of_a_one_off_task_are_its_due_date_or_nothing(
    alice: Api, due: str | None, expected: list[str]
) -> None:
    task = alice.create(due_date=due)
    assert get(alice, f"/api/v1/tasks/{task['id']}/occurrences").json == {"items": expected}


@pytest.mark.parametrize("count", ["0", "51", "-1", "five", "2.5", ""])
def test_bad_count_is_400_naming_it(alice: Api, count: str) -> None:
    task = alice.create(due_date=DUE, recurrence_rule="FREQ=DAILY")
    result = get(alice, f"/api/v1/tasks/{task['id']}/occurrences", count=count)
    assert result.status_code == 400
    assert list(result.json["errors"]) == ["count"]


def test_unknown_occurrences_parameter_is_400_naming_it(alice: Api) -> None:
    task = alice.create(due_date=DUE, recurrence_rule="FREQ=DAILY")
    result = get(alice, f"/api/v1/tasks/{task['id']}/occurrences", limit="3")
    assert result.status_code == 400
    assert list(result.json["errors"]) == ["limit"]


def test_occurrences_of_a_missing_or_foreign_task_are_404(alice: Api, bob: Api) -> None:
    task = alice.create(due_date=DUE, recurrence_rule="FREQ=DAILY")
    assert get(bob, f"/api/v1/tasks/{task['id']}/occurrences").status_code == 404
    missing = "01900000-0000-7000-8000-000000000000"
    assert get(alice, f"/api/v1/tasks/{missing}/occurrences").status_code == 404


def test_occurrences_need_a_token(alice: Api) -> None:
    task = alice.create(due_date=DUE, recurrence_rule="FREQ=DAILY")
    assert alice.client.simulate_get(f"/api/v1/tasks/{task['id']}/occurrences").status_code == 401


# --- GET /api/v1/reminders ---------------------------------------------------------------------------


def reminders(api: Api, **params: str) -> list[dict[str, Any]]:
    result = get(api, "/api/v1/reminders", **params)
    assert result.status_code == 200, result.text
    return result.json["items"]


def test_reminders_are_open_tasks_due_by_until_oldest_first(alice: Api, bob: Api) -> None:
    late = alice.create(title="late", due_date=DUE, reminder_at="2026-11-23T08:00:00+00:00")
    early = alice.create(title="early", due_date=DUE, reminder_at="2026-11-22T08:00:00+00:00")
    alice.create(title="later", due_date=DUE, reminder_at="2026-11-23T08:30:00+00:00")
    done = alice.create(title="done", due_date=DUE, reminder_at="2026-11-21T08:00:00+00:00")
    alice.request("POST", f"/api/v1/tasks/{done['id']}/toggle")
    alice.create(title="no reminder", due_date="2026-11-20T08:00:00+00:00")
    bob.create(title="bob's", due_date=DUE, reminder_at="2026-11-20T08:00:00+00:00")

    items = reminders(alice, until="2026-11-23T08:00:00Z")
    assert [t["title"] for t in items] == ["early", "late"]
    assert items[0] == early and items[1] == late


def test_reminders_until_defaults_to_now(alice: Api) -> None:
    now = datetime.now(UTC)
    past = (now - timedelta(minutes=1)).isoformat()
    future = (now + timedelta(hours=1)).isoformat()
    alice.create(title="due", due_date=future, reminder_at=past)
    alice.create(title="not yet", due_date=future, reminder_at=future)
    assert [t["title"] for t in reminders(alice)] == ["due"]


def test_reminders_until_accepts_any_offset_and_an_unencoded_plus(alice: Api) -> None:
    alice.create(title="r", due_date=DUE, reminder_at="2026-11-23T08:00:00+00:00")
    assert len(reminders(alice, until="2026-11-23T09:00:00+01:00")) == 1
    assert reminders(alice, until="2026-11-23T08:59:59+01:00") == []
    # "+" in a query string is a space unless encoded; the offset is still read as "+01:00"
    result = alice.client.simulate_get(
        "/api/v1/reminders",
        query_string="until=2026-11-23T09:00:00+01:00",
        headers={"Authorization": f"Bearer {alice.token}"},
    )
    assert len(result.json["items"]) == 1


def test_reminders_of_a_series_follow_the_open_occurrence(alice: Api) -> None:
    task = alice.create(
        due_date=DUE, reminder_at="2026-11-23T08:50:00+00:00", recurrence_rule="FREQ=DAILY;COUNT=2"
    )
    nxt = alice.request("POST", f"/api/v1/tasks/{task['id']}/toggle").json["next_task"]
    assert [t["id"] for t in reminders(alice, until="2026-11-30T00:00:00Z")] == [nxt["id"]]
    assert nxt["reminder_at"] == "2026-11-24T08:50:00+00:00"


@pytest.mark.parametrize("until", ["2026-11-23T08:00:00", "2026-11-23", "yesterday", ""])
def test_bad_until_is_400_naming_it(alice: Api, until: str) -> None:
    result = get(alice, "/api/v1/reminders", until=until)
    assert result.status_code == 400
    assert list(result.json["errors"]) == ["until"]


def test_unknown_reminders_parameter_is_400_naming_it(alice: Api) -> None:
    result = get(alice, "/api/v1/reminders", completed="false")
    assert result.status_code == 400
    assert list(result.json["errors"]) == ["completed"]


def test_reminders_are_served_by_the_reminder_index(app: Any, alice: Api) -> None:
    from taskapi.db import load_queries

    query = load_queries()["tasks/reminders"]
    with app.db.connection() as conn, conn.transaction():
        conn.execute("SET LOCAL enable_seqscan = off")
        plan = conn.execute(
            b"EXPLAIN " + query, {"user_id": alice.user_id, "until": DUE, "limit": 500}
        ).fetchall()
    text = "\n".join(row["QUERY PLAN"] for row in plan)
    assert "tasks_user_reminder_idx" in text
    assert "Sort" not in text  # the index order is the answer's order


def test_reminders_feed_is_bounded_oldest_first(alice: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from taskapi.store import schedule

    monkeypatch.setattr(schedule, "MAX_REMINDERS", 2)
    for hour in (3, 1, 2):
        alice.create(title=f"at {hour}", due_date=DUE, reminder_at=f"2026-11-23T0{hour}:00:00+00:00")
    assert [t["title"] for t in reminders(alice, until=DUE)] == ["at 1", "at 2"]
