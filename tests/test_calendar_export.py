"""GET /api/v1/tasks.ics, read back by real iCalendar parsers and compared with our own occurrences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events

from tests.conftest import Api


def export(api: Api) -> icalendar.Calendar:
    result = api.request("GET", "/api/v1/tasks.ics")
    assert result.status_code == 200, result.text
    assert result.headers["content-type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(result.content)


def todos(cal: icalendar.Calendar) -> dict[str, icalendar.Todo]:
    return {str(todo["UID"]): todo for todo in cal.walk("VTODO")}


def occurrences(api: Api, task: dict[str, Any], count: int) -> list[datetime]:
    result = api.request("GET", f"/api/v1/tasks/{task['id']}/occurrences", params={"count": str(count)})
    return [datetime.fromisoformat(d) for d in result.json["items"]]


def expanded(cal: icalendar.Calendar, uid: str) -> list[datetime]:
    """The due dates recurring-ical-events (not our code) finds for one VTODO over 30 years."""
    found = recurring_ical_events.of(cal, components=["VTODO"]).between(
        datetime(2020, 1, 1, tzinfo=UTC), datetime(2050, 1, 1, tzinfo=UTC)
    )
    return sorted(todo["DUE"].dt.astimezone(UTC) for todo in found if str(todo["UID"]) == uid)


def test_route_sits_next_to_the_task_routes(alice: Api) -> None:
    alice.create()
    assert alice.request("GET", "/api/v1/tasks.ics").headers["content-type"].startswith("text/calendar")
    assert alice.request("GET", "/api/v1/tasks").json["total"] == 1
    assert alice.client.simulate_get("/api/v1/tasks.ics").status_code == 401
    assert alice.request("POST", "/api/v1/tasks.ics").status_code == 405


def test_every_field_of_a_task_is_in_its_vtodo(alice: Api) -> None:
    task = alice.create(
        title="Pay rent, then; relax",
        description="Line one\nline two",
        priority="high",
        tags=["home", "money, bills"],
        due_date="2026-12-01T09:00:00+01:00",
        reminder_at="2026-11-30T09:00:00+01:00",
        timezone="Europe/Berlin",
    )
    todo = todos(export(alice))[task["id"]]
    assert str(todo["SUMMARY"]) == "Pay rent, then; relax"
    assert str(todo["DESCRIPTION"]) == "Line one\nline two"
    assert todo["PRIORITY"] == 1
    assert str(todo["STATUS"]) == "NEEDS-ACTION"
    assert todo.categories == ["home", "money, bills"]
    assert "DTSTAMP" in todo
    due = todo["DUE"]
    assert due.params["TZID"] == "Europe/Berlin"
    assert due.dt == datetime(2026, 12, 1, 9, tzinfo=ZoneInfo("Europe/Berlin"))
    assert "RRULE" not in todo and "COMPLETED" not in todo
    (alarm,) = todo.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm["TRIGGER"].params["RELATED"] == "END"
    assert alarm["TRIGGER"].dt == -timedelta(hours=24)


@pytest.mark.parametrize(("priority", "value"), [("high", 1), ("medium", 5), ("low", 9)])
def test_priority_maps_to_1_5_9(alice: Api, priority: str, value: int) -> None:
    task = alice.create(priority=priority)
    assert todos(export(alice))[task["id"]]["PRIORITY"] == value


def test_utc_task_has_a_utc_due_and_no_tzid(alice: Api) -> None:
    task = alice.create(due_date="2026-11-23T10:00:00+01:00")
    due = todos(export(alice))[task["id"]]["DUE"]
    assert "TZID" not in due.params
    assert due.dt == datetime(2026, 11, 23, 9, tzinfo=UTC)
    assert due.to_ical() == b"20261123T090000Z"


def test_completed_task_has_status_and_completion_time(alice: Api) -> None:
    task = alice.create()
    done = alice.request("POST", f"/api/v1/tasks/{task['id']}/toggle").json["task"]
    todo = todos(export(alice))[task["id"]]
    assert str(todo["STATUS"]) == "COMPLETED"
    assert todo["COMPLETED"].dt == datetime.fromisoformat(done["completed_at"]).replace(microsecond=0)


def test_reminder_without_due_date_is_an_absolute_trigger(alice: Api) -> None:
    task = alice.create(reminder_at="2026-11-23T08:00:00+00:00")
    todo = todos(export(alice))[task["id"]]
    assert "DUE" not in todo
    (alarm,) = todo.walk("VALARM")
    assert alarm["TRIGGER"].dt == datetime(2026, 11, 23, 8, tzinfo=UTC)


def test_export_holds_only_the_callers_tasks(alice: Api, bob: Api) -> None:
    mine = alice.create(title="mine")
    bob.create(title="bob's")
    assert list(todos(export(alice))) == [mine["id"]]
    assert todos(export(Api(alice.client, "nobody-" + mine["id"]))) == {}


@pytest.mark.parametrize(
    ("due", "zone", "rule"),
    [
        ("2026-03-20T09:00:00+01:00", "Europe/Berlin", "FREQ=DAILY;COUNT=20"),
        ("2026-10-20T09:00:00+02:00", "Europe/Berlin", "FREQ=DAILY;UNTIL=20261105"),
        ("2026-03-06T02:30:00-05:00", "America/New_York", "FREQ=DAILY;COUNT=5"),
        ("2026-10-29T01:30:00-04:00", "America/New_York", "FREQ=DAILY;UNTIL=20261104T013000"),
        ("2026-11-02T18:00:00-05:00", "America/New_York", "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=12"),
        ("2026-01-31T08:00:00+00:00", "UTC", "FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=14"),
        ("2026-01-31T08:00:00+00:00", "UTC", "FREQ=MONTHLY;BYMONTHDAY=31;UNTIL=20271231T000000Z"),
        ("2024-02-29T08:00:00+01:00", "Europe/Berlin", "FREQ=YEARLY;COUNT=5"),
        ("2026-11-26T12:00:00-05:00", "America/New_York", "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH;COUNT=6"),
        ("2026-11-23T07:00:00+01:00", "Europe/Berlin", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=9"),
    ],
)
def test_rrule_expanded_by_an_independent_library_matches_our_occurrences(
    alice: Api, due: str, zone: str, rule: str
) -> None:
    task = alice.create(due_date=due, timezone=zone, recurrence_rule=rule)
    theirs = expanded(export(alice), task["id"])
    ours = occurrences(alice, task, 50)
    assert len(ours) < 50  # the whole finite series
    assert theirs == ours


def test_open_occurrence_of_a_running_series_exports_what_is_left(alice: Api) -> None:
    task = alice.create(
        due_date="2026-03-27T09:00:00+01:00", timezone="Europe/Berlin", recurrence_rule="FREQ=DAILY;COUNT=4"
    )
    nxt = alice.request("POST", f"/api/v1/tasks/{task['id']}/toggle").json["next_task"]
    cal = export(alice)
    exported = todos(cal)
    assert "RRULE" not in exported[task["id"]]  # completed: history, not a second series
    assert exported[nxt["id"]]["RRULE"]["COUNT"] == [3]
    assert expanded(cal, nxt["id"]) == occurrences(alice, nxt, 50)
    assert len(occurrences(alice, nxt, 50)) == 3


def test_unbounded_series_agrees_with_the_independent_expansion(alice: Api) -> None:
    task = alice.create(
        due_date="2026-01-05T09:00:00-05:00", timezone="America/New_York", recurrence_rule="FREQ=WEEKLY"
    )
    theirs = expanded(export(alice), task["id"])[:50]
    assert theirs == occurrences(alice, task, 50)


def test_reopened_occurrence_does_not_repeat_the_series(alice: Api) -> None:
    task = alice.create(due_date="2026-01-05T09:00:00+00:00", recurrence_rule="FREQ=DAILY")
    alice.request("POST", f"/api/v1/tasks/{task['id']}/toggle")
    alice.request("POST", f"/api/v1/tasks/{task['id']}/toggle")  # reopened
    rules = [str(t["UID"]) for t in export(alice).walk("VTODO") if "RRULE" in t]
    assert len(rules) == 1 and rules != [task["id"]]


def test_dtstamp_is_when_the_task_was_last_revised(alice: Api) -> None:
    task = alice.create()
    patched = alice.request("PATCH", f"/api/v1/tasks/{task['id']}", json={"title": "renamed"}).json
    todo = todos(export(alice))[task["id"]]
    assert todo["DTSTAMP"].dt == datetime.fromisoformat(patched["updated_at"]).replace(microsecond=0)
    assert todo["SEQUENCE"] == 1


def test_far_off_due_dates_keep_the_export_small(alice: Api) -> None:
    """The time zone transitions written span about two centuries around today, not the 8,100
    years between the due dates: the export's work and size stay bounded."""
    for due in ("1900-01-01T12:00:00+00:00", "9999-12-29T12:00:00+00:00"):
        alice.create(due_date=due, timezone="Europe/Berlin", recurrence_rule="FREQ=YEARLY")
    calendar = export(alice)
    assert len(todos(calendar)) == 2
    transitions = len(calendar.walk("DAYLIGHT")) + len(calendar.walk("STANDARD"))
    assert 0 < transitions <= 2 * 215


def test_export_is_bounded_and_keeps_open_tasks_first(alice: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from taskapi.store import schedule

    monkeypatch.setattr(schedule, "MAX_CALENDAR_TASKS", 3)
    done = [alice.create(title=f"done {i}") for i in range(3)]
    for task in done:
        alice.request("POST", f"/api/v1/tasks/{task['id']}/toggle")
    still_open = [alice.create(title=f"open {i}") for i in range(2)]
    exported = todos(export(alice))
    assert set(exported) == {still_open[0]["id"], still_open[1]["id"], done[2]["id"]}


def test_a_subtask_is_related_to_its_parent(alice: Api) -> None:
    parent = alice.create(title="trip")
    child = alice.create(title="pack", parent_id=parent["id"])

    found = todos(export(alice))

    related = found[child["id"]]["RELATED-TO"]
    assert str(related) == parent["id"] and related.params["RELTYPE"] == "PARENT"
    assert "RELATED-TO" not in found[parent["id"]]


def test_list_id_exports_one_list(alice: Api, bob: Api) -> None:
    work = alice.request("POST", "/api/v1/lists", json={"name": "Work"}).json
    at_work = alice.create(title="report", list_id=work["id"])
    alice.create(title="at home")

    result = alice.request("GET", "/api/v1/tasks.ics", params={"list_id": work["id"]})
    assert result.status_code == 200
    assert set(todos(icalendar.Calendar.from_ical(result.content))) == {at_work["id"]}
    theirs = bob.request("GET", "/api/v1/tasks.ics", params={"list_id": work["id"]})
    assert theirs.status_code == 200 and not todos(icalendar.Calendar.from_ical(theirs.content))
    bad = alice.request("GET", "/api/v1/tasks.ics", params={"list_id": "work"})
    assert bad.status_code == 400 and "list_id" in bad.json["errors"]
