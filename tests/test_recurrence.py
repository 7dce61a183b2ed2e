"""Recurring tasks through the API: rollover on completion, DST, COUNT/UNTIL, month ends, anchors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Api


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def local(text: str, zone: str) -> str:
    """A wall-clock time in `zone` as the RFC 3339 instant the API returns (UTC)."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC).isoformat()


def complete(api: Api, task: dict[str, Any]) -> dict[str, Any] | None:
    """Toggle the task to completed; the next occurrence the server created, or None."""
    result = api.request("POST", f"/api/v1/tasks/{task['id']}/toggle")
    assert result.status_code == 200, result.text
    assert result.json["task"]["completed"] is True
    return result.json["next_task"]


def series_dues(api: Api, task: dict[str, Any], limit: int = 60) -> list[str]:
    """Complete occurrence after occurrence until the series ends; every due date, in order."""
    dues = [task["due_date"]]
    while (task := complete(api, task)) is not None:  # type: ignore[assignment]
        dues.append(task["due_date"])
        assert len(dues) <= limit, "the series does not end"
    return dues


def occurrences(api: Api, task: dict[str, Any], count: int = 5) -> list[str]:
    result = api.request("GET", f"/api/v1/tasks/{task['id']}/occurrences", params={"count": str(count)})
    assert result.status_code == 200, result.text
    return result.json["items"]


def utc_iso(text: str) -> str:
    return at(text).astimezone(UTC).isoformat()


# --- wall-clock time across DST ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "first_day"),
    [
        ("Europe/Berlin", "2026-03-27"),  # spring forward on 29 March
        ("Europe/Berlin", "2026-10-23"),  # fall back on 25 October
        ("America/New_York", "2026-03-06"),  # spring forward on 8 March
        ("America/New_York", "2026-10-30"),  # fall back on 1 November
    ],
)
def test_daily_task_stays_at_nine_local_across_dst(alice: Api, zone: str, first_day: str) -> None:
    task = alice.create(
        due_date=local(f"{first_day}T09:00:00", zone), timezone=zone, recurrence_rule="FREQ=DAILY;COUNT=5"
    )
    dues = series_dues(alice, task)
    assert len(dues) == 5
    for due in dues:
        wall = at(due).astimezone(ZoneInfo(zone))
        assert (wall.hour, wall.minute) == (9, 0)
    # the UTC offsets differ across the switch: the instants are not 24 hours apart everywhere
    gaps = {at(b) - at(a) for a, b in pairwise(dues)}
    assert gaps == {timedelta(hours=24), timedelta(hours=23)} or gaps == {
        timedelta(hours=24),
        timedelta(hours=25),
    }


def test_time_missing_on_spring_forward_day_takes_the_offset_before_the_switch(alice: Api) -> None:
    """RFC 5545 3.3.5: 02:30 on 8 March 2026 does not exist in New York; it is read with the
    offset before the switch (EST), i.e. 03:30 EDT; the days around it stay at 02:30."""
    zone = "America/New_York"
    task = alice.create(
        due_date=local("2026-03-07T02:30:00", zone), timezone=zone, recurrence_rule="FREQ=DAILY;COUNT=3"
    )
    assert series_dues(alice, task) == [
        "2026-03-07T07:30:00+00:00",  # 02:30 EST
        "2026-03-08T07:30:00+00:00",  # 02:30 "EST" = 03:30 EDT
        "2026-03-09T06:30:00+00:00",  # 02:30 EDT
    ]


def test_ambiguous_time_on_fall_back_day_is_the_first_of_the_two(alice: Api) -> None:
    """RFC 5545 3.3.5: 01:30 on 1 November 2026 happens twice in New York; the first (EDT) is used."""
    zone = "America/New_York"
    task = alice.create(
        due_date=local("2026-10-31T01:30:00", zone), timezone=zone, recurrence_rule="FREQ=DAILY;COUNT=3"
    )
    assert series_dues(alice, task) == [
        "2026-10-31T05:30:00+00:00",  # 01:30 EDT
        "2026-11-01T05:30:00+00:00",  # the first 01:30, still EDT
        "2026-11-02T06:30:00+00:00",  # 01:30 EST
    ]


def test_ambiguous_time_in_berlin_is_the_summer_one(alice: Api) -> None:
    zone = "Europe/Berlin"
    task = alice.create(
        due_date=local("2026-10-24T02:30:00", zone), timezone=zone, recurrence_rule="FREQ=DAILY;COUNT=3"
    )
    assert series_dues(alice, task)[1] == "2026-10-25T00:30:00+00:00"  # 02:30 CEST


def test_weekly_task_in_new_york_keeps_its_local_time_across_both_switches(alice: Api) -> None:
    zone = "America/New_York"
    task = alice.create(
        due_date=local("2026-02-23T18:00:00", zone), timezone=zone, recurrence_rule="FREQ=WEEKLY"
    )
    dates = occurrences(alice, task, 40)
    assert {at(d).astimezone(ZoneInfo(zone)).strftime("%a %H:%M") for d in dates} == {"Mon 18:00"}
    assert {at(d).utcoffset() for d in dates} == {timedelta(0)}  # answers are in UTC


# --- COUNT and UNTIL ----------------------------------------------------------------------------


def test_count_holds_across_the_whole_series(alice: Api) -> None:
    task = alice.create(due_date="2026-01-05T09:00:00+00:00", recurrence_rule="FREQ=DAILY;COUNT=3")
    assert series_dues(alice, task) == [
        "2026-01-05T09:00:00+00:00",
        "2026-01-06T09:00:00+00:00",
        "2026-01-07T09:00:00+00:00",
    ]


def test_due_date_off_the_rule_counts_as_the_first_occurrence(alice: Api) -> None:
    """RFC 5545 3.8.5.3: DTSTART is always the first instance and counts towards COUNT."""
    # Tuesday 24 November 2026, rule on Mondays, Wednesdays and Fridays
    task = alice.create(
        due_date="2026-11-24T09:00:00+00:00", recurrence_rule="FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=3"
    )
    assert series_dues(alice, task) == [
        "2026-11-24T09:00:00+00:00",
        "2026-11-25T09:00:00+00:00",
        "2026-11-27T09:00:00+00:00",
    ]


@pytest.mark.parametrize(
    ("until", "last"),
    [
        ("20260107", "2026-01-07T08:00:00+00:00"),  # a date: that whole day in the task's zone
        ("20260107T090000", "2026-01-07T08:00:00+00:00"),  # floating: wall-clock in the task's zone
        ("20260107T075959Z", "2026-01-06T08:00:00+00:00"),  # UTC: one second too early for the 7th
        ("20260107T080000Z", "2026-01-07T08:00:00+00:00"),  # UTC: inclusive
    ],
)
def test_until_ends_the_series(alice: Api, until: str, last: str) -> None:
    task = alice.create(
        due_date=local("2026-01-05T09:00:00", "Europe/Berlin"),
        timezone="Europe/Berlin",
        recurrence_rule=f"FREQ=DAILY;UNTIL={until}",
    )
    dues = series_dues(alice, task)
    assert dues[-1] == last
    assert dues[0] == "2026-01-05T08:00:00+00:00"


def test_floating_until_is_read_in_the_task_zone_not_utc(alice: Api) -> None:
    # 23:30 New York on the 6th is 04:30 UTC on the 7th: a floating UNTIL of 20260107T000000 is
    # midnight New York, so the 23:30 occurrence of the 6th is the last
    zone = "America/New_York"
    task = alice.create(
        due_date=local("2026-01-05T23:30:00", zone),
        timezone=zone,
        recurrence_rule="FREQ=DAILY;UNTIL=20260107T000000",
    )
    assert series_dues(alice, task) == [
        local("2026-01-05T23:30:00", zone),
        local("2026-01-06T23:30:00", zone),
    ]


# --- BYDAY, BYMONTHDAY, INTERVAL, month ends and leap days ---------------------------------------


@pytest.mark.parametrize(
    ("due", "rule", "expected"),
    [
        (
            "2026-11-23T08:00:00+00:00",  # a Monday
            "FREQ=WEEKLY;BYDAY=MO,WE,FR",
            ["2026-11-23", "2026-11-25", "2026-11-27", "2026-11-30", "2026-12-02"],
        ),
        (
            "2026-11-23T08:00:00+00:00",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO",
            ["2026-11-23", "2026-12-07", "2026-12-21", "2027-01-04", "2027-01-18"],
        ),
        (
            "2026-01-31T08:00:00+00:00",  # months without a 31st are skipped (RFC 5545)
            "FREQ=MONTHLY;BYMONTHDAY=31",
            ["2026-01-31", "2026-03-31", "2026-05-31", "2026-07-31", "2026-08-31"],
        ),
        (
            "2026-01-31T08:00:00+00:00",  # the last day of every month
            "FREQ=MONTHLY;BYMONTHDAY=-1",
            ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"],
        ),
        (
            "2028-01-31T08:00:00+00:00",
            "FREQ=MONTHLY;BYMONTHDAY=-1",
            ["2028-01-31", "2028-02-29", "2028-03-31", "2028-04-30", "2028-05-31"],
        ),
        (
            "2024-02-29T08:00:00+00:00",  # only leap years have a 29 February
            "FREQ=YEARLY",
            ["2024-02-29", "2028-02-29", "2032-02-29", "2036-02-29", "2040-02-29"],
        ),
        (
            "2096-02-29T08:00:00+00:00",  # 2100 is not a leap year
            "FREQ=YEARLY",
            ["2096-02-29", "2104-02-29", "2108-02-29", "2112-02-29", "2116-02-29"],
        ),
        (
            "2026-11-26T08:00:00+00:00",  # the fourth Thursday of November
            "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH",
            ["2026-11-26", "2027-11-25", "2028-11-23", "2029-11-22", "2030-11-28"],
        ),
        (
            "2026-11-30T08:00:00+00:00",  # the last weekday of the month
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
            ["2026-11-30", "2026-12-31", "2027-01-29", "2027-02-26", "2027-03-31"],
        ),
        (
            "2026-11-24T08:00:00+00:00",
            "FREQ=DAILY;INTERVAL=3",
            ["2026-11-24", "2026-11-27", "2026-11-30", "2026-12-03", "2026-12-06"],
        ),
    ],
)
def test_rule_parts_expand_as_rfc_5545_says(alice: Api, due: str, rule: str, expected: list[str]) -> None:
    task = alice.create(due_date=due, recurrence_rule=rule)
    assert [d[:10] for d in occurrences(alice, task, 5)] == expected
    successor = complete(alice, task)
    assert successor is not None and successor["due_date"][:10] == expected[1]
    assert complete(alice, successor)["due_date"][:10] == expected[2]  # type: ignore[index]


def test_hourly_rule_with_byhour(alice: Api) -> None:
    task = alice.create(due_date="2026-11-24T09:00:00+00:00", recurrence_rule="FREQ=HOURLY;BYHOUR=9,17")
    assert occurrences(alice, task, 4) == [
        "2026-11-24T09:00:00+00:00",
        "2026-11-24T17:00:00+00:00",
        "2026-11-25T09:00:00+00:00",
        "2026-11-25T17:00:00+00:00",
    ]


# --- the next occurrence's fields -----------------------------------------------------------------


def test_next_occurrence_copies_the_series_fields_and_keeps_the_reminder_offset(alice: Api) -> None:
    task = alice.create(
        title="water the plants",
        description="the big ones too",
        priority="high",
        tags=["home", "Garden"],
        due_date=local("2026-03-28T09:00:00", "Europe/Berlin"),
        reminder_at=local("2026-03-28T08:15:00", "Europe/Berlin"),
        timezone="Europe/Berlin",
        recurrence_rule="FREQ=DAILY",
        position=7,
    )
    nxt = complete(alice, task)
    assert nxt is not None
    for field in (
        "title",
        "description",
        "priority",
        "tags",
        "timezone",
        "recurrence_rule",
        "list_id",
        "parent_id",
    ):
        assert nxt[field] == task[field], field
    assert nxt["position"] > task["position"]  # directly after the completed one
    assert nxt["recurrence_anchor"] == "due" and nxt["is_recurring"] is True
    assert nxt["completed"] is False and nxt["completed_at"] is None and nxt["version"] == 1
    assert nxt["due_date"] == local("2026-03-29T09:00:00", "Europe/Berlin")  # across the switch
    assert at(nxt["due_date"]) - at(nxt["reminder_at"]) == timedelta(minutes=45)
    assert alice.request("GET", f"/api/v1/tasks/{nxt['id']}").json == nxt


def test_completing_the_last_occurrence_creates_nothing(alice: Api) -> None:
    task = alice.create(due_date="2026-01-05T09:00:00+00:00", recurrence_rule="FREQ=DAILY;COUNT=1")
    assert complete(alice, task) is None
    assert alice.request("GET", "/api/v1/tasks").json["total"] == 1


def test_completing_a_task_without_a_rule_creates_nothing(alice: Api) -> None:
    task = alice.create(due_date="2026-01-05T09:00:00+00:00")
    assert complete(alice, task) is None


# --- completion anchor ("every! 3 days") ----------------------------------------------------------


def test_completion_anchor_schedules_from_the_day_of_completion_keeping_the_time(alice: Api) -> None:
    zone = "Europe/Berlin"
    task = alice.create(
        due_date=local("2026-01-01T07:45:00", zone),
        timezone=zone,
        recurrence_rule="FREQ=DAILY;INTERVAL=3",
        recurrence_anchor="completion",
    )
    result = alice.request("POST", f"/api/v1/tasks/{task['id']}/toggle").json
    completed_on = at(result["task"]["completed_at"]).astimezone(ZoneInfo(zone)).date()
    expected = datetime.combine(completed_on + timedelta(days=3), datetime.min.time()).replace(
        hour=7, minute=45, tzinfo=ZoneInfo(zone)
    )
    assert at(result["next_task"]["due_date"]) == expected
    assert result["next_task"]["recurrence_anchor"] == "completion"


def test_due_anchor_schedules_from_the_due_date_however_late_the_completion(alice: Api) -> None:
    task = alice.create(due_date="2026-01-01T07:45:00+00:00", recurrence_rule="FREQ=DAILY;INTERVAL=3")
    assert complete(alice, task)["due_date"] == "2026-01-04T07:45:00+00:00"  # type: ignore[index]


def test_completion_anchor_honours_count(alice: Api) -> None:
    task = alice.create(
        due_date="2026-01-01T07:45:00+00:00",
        recurrence_rule="FREQ=DAILY;INTERVAL=3;COUNT=2",
        recurrence_anchor="completion",
    )
    nxt = complete(alice, task)
    assert nxt is not None
    assert complete(alice, nxt) is None


def test_completion_anchor_preview_assumes_completion_on_each_due_date(alice: Api) -> None:
    task = alice.create(
        due_date="2026-01-01T07:45:00+00:00",
        recurrence_rule="FREQ=WEEKLY;BYDAY=TH",
        recurrence_anchor="completion",
    )
    assert [d[:10] for d in occurrences(alice, task, 3)] == ["2026-01-01", "2026-01-08", "2026-01-15"]


# --- completion by PATCH and PUT, reopen, delete ---------------------------------------------------


def test_patch_completion_creates_the_next_occurrence(alice: Api) -> None:
    task = alice.create(due_date="2026-01-05T09:00:00+00:00", recurrence_rule="FREQ=DAILY")
    result = alice.request("PATCH", f"/api/v1/tasks/{task['id']}", json={"completed": True})
    assert result.status_code == 200, result.text
    nxt = next_occurrences(alice, task)
    assert [t["due_date"] for t in nxt] == ["2026-01-06T09:00:00+00:00"]
    assert f"/api/v1/tasks/{nxt[0]['id']}" in result.headers["link"]


def test_put_completion_creates_the_next_occurrence(alice: Api) -> None:
    task = alice.create(due_date="2026-01-05T09:00:00+00:00", recurrence_rule="FREQ=DAILY")
    body = {k: task[k] for k in ("title", "due_date", "recurrence_rule")} | {"completed": True}
    result = alice.request("PUT", f"/api/v1/tasks/{task['id']}", json=body)
    assert result.status_code == 200, result.text
    assert [t["due_date"] for t in next_occurrences(alice, task)] == ["2026-01-06T09:00:00+00:00"]


def test_patch_that_leaves_a_completed_task_completed_creates_nothing(alice: Api) -> None:
    task = alice.create(due_date="2026-01-05T09:00:00+00:00", recurrence_rule="FREQ=DAILY")
    complete(alice, task)
    alice.request("PATCH", f"/api/v1/tasks/{task['id']}", json={"completed": True, "title": "renamed"})
    assert len(next_occurrences(alice, task)) == 1


def next_occurrences(api: Api, task: dict[str, Any]) -> list[dict[str, Any]]:
    """Every task of the user other than `task` (the tests' users start empty)."""
    items = api.request("GET", "/api/v1/tasks", params={"limit": "100"}).json["items"]
    return [t for t in items if t["id"] != task["id"]]


def test_complete_reopen_complete_creates_one_next_occurrence(alice: Api) -> None:
    task = alice.create(due_date="2026-01-05T09:00:00+00:00", recurrence_rule="FREQ=DAILY")
    assert complete(alice, task) is not None
    reopened = alice.request("POST", f"/api/v1/tasks/{task['id']}/toggle").json
    assert reopened["task"]["completed"] is False and reopened["next_task"] is None
    assert complete(alice, task) is None
    alice.request("PATCH", f"/api/v1/tasks/{task['id']}", json={"completed": False})
    alice.request("PATCH", f"/api/v1/tasks/{task['id']}", json={"completed": True})
    assert len(next_occurrences(alice, task)) == 1


def test_deleting_an_occurrence_keeps_the_rest_of_the_series(alice: Api) -> None:
    first = alice.create(due_date="2026-01-05T09:00:00+00:00", recurrence_rule="FREQ=DAILY")
    second = complete(alice, first)
    third = complete(alice, second)  # type: ignore[arg-type]
    assert alice.request("DELETE", f"/api/v1/tasks/{second['id']}").status_code == 204  # type: ignore[index]
    for task in (first, third):
        assert alice.request("GET", f"/api/v1/tasks/{task['id']}").status_code == 200  # type: ignore[index]
    # the series goes on from the occurrence that is left
    assert complete(alice, third)["due_date"] == "2026-01-08T09:00:00+00:00"  # type: ignore[arg-type, index]


def test_deleting_the_open_occurrence_does_not_let_its_predecessor_roll_over_again(alice: Api) -> None:
    first = alice.create(due_date="2026-01-05T09:00:00+00:00", recurrence_rule="FREQ=DAILY")
    second = complete(alice, first)
    alice.request("DELETE", f"/api/v1/tasks/{second['id']}")  # type: ignore[index]
    alice.request("POST", f"/api/v1/tasks/{first['id']}/toggle")
    assert complete(alice, first) is None


def test_changing_the_rule_restarts_the_series_count(alice: Api) -> None:
    first = alice.create(due_date="2026-01-05T09:00:00+00:00", recurrence_rule="FREQ=DAILY;COUNT=2")
    second = complete(alice, first)
    assert second is not None and complete(alice, second) is None
    third = alice.create(due_date="2026-02-02T09:00:00+00:00", recurrence_rule="FREQ=DAILY;COUNT=2")
    patched = alice.request(
        "PATCH", f"/api/v1/tasks/{third['id']}", json={"recurrence_rule": "FREQ=WEEKLY;COUNT=2"}
    ).json
    assert occurrences(alice, patched) == ["2026-02-02T09:00:00+00:00", "2026-02-09T09:00:00+00:00"]


def test_moving_the_first_due_date_moves_the_series(alice: Api) -> None:
    task = alice.create(due_date="2026-01-05T09:00:00+00:00", recurrence_rule="FREQ=WEEKLY;COUNT=3")
    alice.request("PATCH", f"/api/v1/tasks/{task['id']}", json={"due_date": "2026-01-06T10:00:00+00:00"})
    assert [d[:13] for d in occurrences(alice, task)] == ["2026-01-06T10", "2026-01-13T10", "2026-01-20T10"]


def test_other_users_cannot_see_or_complete_the_series(alice: Api, bob: Api) -> None:
    task = alice.create(due_date="2026-01-05T09:00:00+00:00", recurrence_rule="FREQ=DAILY")
    assert bob.request("GET", f"/api/v1/tasks/{task['id']}/occurrences").status_code == 404
    assert bob.request("POST", f"/api/v1/tasks/{task['id']}/toggle").status_code == 404
    assert next_occurrences(alice, task) == []


def test_due_date_with_fractional_seconds_still_counts_once(alice: Api) -> None:
    task = alice.create(due_date="2026-01-05T09:00:00.250+00:00", recurrence_rule="FREQ=DAILY;COUNT=3")
    assert series_dues(alice, task) == [
        "2026-01-05T09:00:00.250000+00:00",
        "2026-01-06T09:00:00+00:00",
        "2026-01-07T09:00:00+00:00",
    ]


def test_hourly_series_across_spring_forward_has_no_duplicate_instant(alice: Api) -> None:
    """Wall-clock 02:00 does not exist on 8 March 2026 in New York: read with the offset before
    the switch it is 03:00 EDT, the same instant as the next hour, which counts once."""
    zone = "America/New_York"
    task = alice.create(
        due_date=local("2026-03-08T00:00:00", zone), timezone=zone, recurrence_rule="FREQ=HOURLY;COUNT=5"
    )
    expected = [f"2026-03-08T{h:02d}:00:00+00:00" for h in (5, 6, 7, 8, 9)]
    assert occurrences(alice, task, 10) == expected
    assert series_dues(alice, task) == expected


def test_hourly_series_across_fall_back_keeps_wall_clock_hours(alice: Api) -> None:
    """Wall-clock 01:00 happens twice on 1 November 2026 in New York; RFC 5545 takes the first."""
    zone = "America/New_York"
    task = alice.create(
        due_date=local("2026-11-01T00:00:00", zone), timezone=zone, recurrence_rule="FREQ=HOURLY;COUNT=4"
    )
    assert occurrences(alice, task, 10) == [
        "2026-11-01T04:00:00+00:00",  # 00:00 EDT
        "2026-11-01T05:00:00+00:00",  # 01:00 EDT
        "2026-11-01T07:00:00+00:00",  # 02:00 EST
        "2026-11-01T08:00:00+00:00",  # 03:00 EST
    ]


def test_series_starting_at_the_second_of_two_ambiguous_times_moves_on_a_day(alice: Api) -> None:
    zone = "America/New_York"
    task = alice.create(
        due_date="2026-11-01T01:30:00-05:00", timezone=zone, recurrence_rule="FREQ=DAILY;COUNT=2"
    )
    assert occurrences(alice, task) == ["2026-11-01T06:30:00+00:00", "2026-11-02T06:30:00+00:00"]


def test_stale_if_match_completion_is_412_and_creates_nothing(alice: Api) -> None:
    task = alice.create(due_date="2026-01-05T09:00:00+00:00", recurrence_rule="FREQ=DAILY")
    alice.request("PATCH", f"/api/v1/tasks/{task['id']}", json={"title": "moved on"})
    for method, suffix, body in (("PATCH", "", {"completed": True}), ("POST", "/toggle", None)):
        result = alice.request(
            method, f"/api/v1/tasks/{task['id']}{suffix}", json=body, headers={"If-Match": '"1"'}
        )
        assert result.status_code == 412
    assert next_occurrences(alice, task) == []
