"""The iCalendar export: a user's tasks as RFC 5545 VTODOs, built with the icalendar library."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Todo, vDuration, vRecur

from taskapi.domain import recurrence

PRODID = "-//taskapi//tasks//EN"
PRIORITY = {"high": 1, "medium": 5, "low": 9}  # RFC 5545 3.8.1.9: 1-4 high, 5 medium, 6-9 low


class ExactDuration(vDuration):
    """A duration in hours, minutes and seconds only: RFC 5545 reads days as calendar days
    (23 or 25 hours across a DST switch), and a reminder keeps its exact offset before DUE."""

    def to_ical(self) -> bytes:
        td: timedelta = self.td
        sign, seconds = ("-", -td) if td < timedelta(0) else ("", td)
        hours, rest = divmod(int(seconds.total_seconds()), 3600)
        minutes, secs = divmod(rest, 60)
        clock = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (secs, "S")) if n)
        return f"{sign}PT{clock or '0S'}".encode()


def to_ical(tasks: Iterable[dict[str, Any]], now: datetime) -> bytes:
    """The tasks as one VCALENDAR (with the VTIMEZONEs their TZIDs need)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    years = [now.year]
    for task in tasks:
        cal.add_component(_todo(task))
        if task["due_date"] is not None:
            years.append(task["due_date"].year)
    # VTIMEZONE transitions for the years the tasks and a few years of their series span (within
    # a century of today: far-off dates would make the export slow and huge for no reader's sake)
    first = max(min(years), now.year - 100) - 1
    last = min(max(years), now.year + 100) + 10
    cal.add_missing_timezones(first_date=date(first, 1, 1), last_date=date(last, 1, 1))
    return cal.to_ical()


def _todo(task: dict[str, Any]) -> Todo:
    todo = Todo()
    todo.add("uid", str(task["id"]))
    # without a METHOD, DTSTAMP is when the task was last revised (RFC 5545 3.8.7.2)
    todo.add("dtstamp", task["updated_at"])
    todo.add("created", task["created_at"])
    todo.add("last-modified", task["updated_at"])
    todo.add("sequence", task["version"] - 1)
    todo.add("summary", task["title"])
    if task.get("parent_id") is not None:
        todo.add("related-to", str(task["parent_id"]), parameters={"RELTYPE": "PARENT"})
    if task["description"]:
        todo.add("description", task["description"])
    todo.add("priority", PRIORITY[task["priority"]])
    if task["tags"]:
        todo.add("categories", task["tags"])
    if task["completed"]:
        todo.add("status", "COMPLETED")
        todo.add("completed", task["completed_at"].astimezone(UTC))
    else:
        todo.add("status", "NEEDS-ACTION")
    due = task["due_date"]
    if due is not None:
        local = _local(due, task["timezone"])
        todo.add("due", local)
        if _heads_its_series(task):
            # a series needs a DTSTART to expand from; the open occurrence is where it stands now
            todo.add("dtstart", local)
            todo.add("rrule", vRecur.from_ical(recurrence.remaining_rule(task)))
    if task["reminder_at"] is not None and not task["completed"]:
        todo.add_component(_alarm(task))
    return todo


def _local(due: datetime, tz: str) -> datetime:
    """DUE in the task's zone; in UTC for a date stored before series ended at recurrence.LATEST
    that the zone cannot show (past the year 9999), so one such task cannot break the export."""
    try:
        return due.astimezone(UTC if tz == "UTC" else ZoneInfo(tz))
    except OverflowError:
        return due.astimezone(UTC)


def _heads_its_series(task: dict[str, Any]) -> bool:
    """Only the open occurrence a completion has not yet followed carries the RRULE, so no date
    of a series appears twice (completed occurrences are history, a reopened one is a one-off)."""
    return bool(task["recurrence_rule"]) and not task["completed"] and task["next_id"] is None


def _alarm(task: dict[str, Any]) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", task["title"])
    if task["due_date"] is None:
        alarm.add("trigger", task["reminder_at"].astimezone(UTC), parameters={"VALUE": "DATE-TIME"})
    else:
        # relative to DUE, so each occurrence of a series reminds as far ahead as this one does
        offset = task["reminder_at"] - task["due_date"]
        alarm.add("trigger", ExactDuration(offset), parameters={"RELATED": "END"})
    return alarm
