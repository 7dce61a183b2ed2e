"""Scheduling fields are checked: offsets, reminder before due, rules, zones; bad input changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api

DUE = "2026-11-23T09:00:00+00:00"


def problem(api: Api, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    result = api.request(method, path, json=body)
    assert result.status_code == 400, result.text
    assert result.headers["content-type"] == "application/problem+json"
    return result.json


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("due_date", "2026-11-23T09:00:00"),  # no offset: never guessed
        ("due_date", "2026-11-23"),
        ("due_date", "tomorrow"),
        ("due_date", 1763888400),
        ("due_date", "2026-11-23T09:00:00+0100"),  # not RFC 3339, though Python would read these
        ("due_date", "2026-11-23T09:00:00+01"),
        ("due_date", "2026-11-23T09:00+01:00"),
        ("due_date", "20261123T090000Z"),
        ("due_date", "2026-W48-1T09:00:00+00:00"),
        ("due_date", "2026-02-30T09:00:00Z"),
        ("reminder_at", "2026-11-23 09:00"),
        ("timezone", "Mars/Olympus_Mons"),
        ("timezone", "CET+1"),
        ("timezone", ""),
        ("recurrence_anchor", "whenever"),
    ],
)
def test_bad_schedule_field_is_400_naming_it(alice: Api, field: str, value: Any) -> None:
    body = problem(alice, "POST", "/api/v1/tasks", {"title": "t", "due_date": DUE, field: value})
    assert list(body["errors"]) == [field]


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ("FREQ=SECONDLY", "SECONDLY"),
        ("FREQ=MINUTELY;INTERVAL=5", "MINUTELY"),
        ("DTSTART=20260101T090000Z;FREQ=DAILY", "DTSTART"),
        ("FREQ=DAILY;" + "BYHOUR=1;" * 60 + "COUNT=2", "500"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never"),
        ("FREQ=HOURLY;BYMONTH=4;BYMONTHDAY=31", "never"),
        ("FREQ=DAILY;UNTIL=20200101", "never"),
        ("FREQ=DAILY;COUNT=2;UNTIL=20300101", "UNTIL and COUNT"),
        ("FREQ=DAILY;COUNT=0", "COUNT"),
        ("FREQ=WEEKLY;INTERVAL=-1", "INTERVAL"),
        ("FREQ=WEEKLY;BYDAY=XX", "BYDAY"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY"),
        ("FREQ=YEARLY;BYMONTH=13", "BYMONTH"),
        ("FREQ=DAILY;UNTIL=20261340", "UNTIL"),
        ("FREQ=FORTNIGHTLY", "FREQ"),
        ("BYDAY=MO", "FREQ is required"),
        ("FREQ=DAILY;FREQ=WEEKLY", "twice"),
        ("FREQ=DAILY;COLOR=RED", "COLOR"),
        ("FREQ=DAILY\nRRULE:FREQ=WEEKLY", "single RRULE"),
        ("every day", "single RRULE"),
        ("", "single RRULE"),
    ],
)
def test_unusable_rule_is_400_saying_why(alice: Api, rule: str, says: str) -> None:
    body = problem(alice, "POST", "/api/v1/tasks", {"title": "t", "due_date": DUE, "recurrence_rule": rule})
    assert list(body["errors"]) == ["recurrence_rule"]
    assert says in body["errors"]["recurrence_rule"][0]


def test_impossible_hourly_rule_is_refused(alice: Api) -> None:
    # dateutil alone would search to the year 9999 (seconds of CPU); recurrence.py searches one
    # 400-year calendar cycle, which is exact: the calendar repeats after it
    problem(
        alice,
        "POST",
        "/api/v1/tasks",
        {"title": "t", "due_date": DUE, "recurrence_rule": "FREQ=HOURLY;BYYEARDAY=366;BYMONTH=1"},
    )


def test_rule_is_stored_in_canonical_form(alice: Api) -> None:
    task = alice.create(due_date=DUE, recurrence_rule=" rrule:freq=weekly;byday=mo,we ")
    assert task["recurrence_rule"] == "FREQ=WEEKLY;BYDAY=MO,WE"
    assert task["is_recurring"] is True


def test_rule_without_due_date_is_400(alice: Api) -> None:
    body = problem(alice, "POST", "/api/v1/tasks", {"title": "t", "recurrence_rule": "FREQ=DAILY"})
    assert "due_date" in body["errors"]["recurrence_rule"][0]


def test_reminder_after_due_date_is_400(alice: Api) -> None:
    body = problem(
        alice,
        "POST",
        "/api/v1/tasks",
        {"title": "t", "due_date": DUE, "reminder_at": "2026-11-23T09:00:01+00:00"},
    )
    assert list(body["errors"]) == ["reminder_at"]


@pytest.mark.parametrize(
    "due",
    [
        "2026-11-23T09:00:00Z",
        "2026-11-23t09:00:00z",
        "2026-11-23T10:00:00.000+01:00",
        "2026-11-23T04:00:00-05:00",
    ],
)
def test_any_rfc_3339_spelling_of_a_moment_is_accepted(alice: Api, due: str) -> None:
    assert alice.create(due_date=due)["due_date"] == DUE


def test_reminder_equal_to_due_date_and_in_other_offsets_is_accepted(alice: Api) -> None:
    task = alice.create(due_date="2026-11-23T10:00:00+01:00", reminder_at=DUE, timezone="Europe/Berlin")
    assert task["due_date"] == task["reminder_at"] == DUE


@pytest.mark.parametrize(
    "change",
    [
        {"reminder_at": "2026-11-24T09:00:00+00:00"},  # after the stored due date
        {"due_date": None},  # the rule still needs it
        {"due_date": "2026-11-22T09:00:00+00:00"},  # now before the stored reminder
        {"recurrence_rule": "FREQ=DAILY;UNTIL=20200101"},
        {"recurrence_rule": "FREQ=MINUTELY"},
        {"timezone": "Europe/Atlantis"},
    ],
)
def test_patch_that_breaks_the_schedule_is_400_and_changes_nothing(
    alice: Api, change: dict[str, Any]
) -> None:
    task = alice.create(due_date=DUE, reminder_at="2026-11-23T08:00:00+00:00", recurrence_rule="FREQ=DAILY")
    body = problem(alice, "PATCH", f"/api/v1/tasks/{task['id']}", change)
    assert set(body["errors"]) <= {"reminder_at", "recurrence_rule", "due_date", "timezone"}
    assert alice.request("GET", f"/api/v1/tasks/{task['id']}").json == task


def test_put_with_rule_but_no_due_date_is_400_and_changes_nothing(alice: Api) -> None:
    task = alice.create(due_date=DUE, recurrence_rule="FREQ=DAILY")
    problem(alice, "PUT", f"/api/v1/tasks/{task['id']}", {"title": "t", "recurrence_rule": "FREQ=DAILY"})
    assert alice.request("GET", f"/api/v1/tasks/{task['id']}").json == task
