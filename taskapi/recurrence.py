"""RRULE recurrence: checking rules and expanding a series in the task's own time zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from dateutil.rrule import rrule, rrulestr

MAX_RULE_LENGTH = 500
_FORBIDDEN_FREQ = {"SECONDLY", "MINUTELY"}
_KNOWN_PARTS = {
    "FREQ",
    "UNTIL",
    "COUNT",
    "INTERVAL",
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
    "BYDAY",
    "BYMONTHDAY",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
}
_UNTIL = re.compile(r"^(\d{8})(?:T(\d{6})(Z?))?$")


class RuleError(ValueError):
    """The rule is not acceptable; str(e) says why, for the client."""


@lru_cache(maxsize=1)
def timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def normalize_rule(text: str) -> str:
    """The rule in canonical form (upper case, no `RRULE:` prefix); RuleError when malformed."""
    rule = text.strip().upper()
    if rule.startswith("RRULE:"):
        rule = rule[len("RRULE:") :]
    if len(rule) > MAX_RULE_LENGTH:
        raise RuleError(f"must be at most {MAX_RULE_LENGTH} characters")
    if not rule or any(c.isspace() for c in rule):
        raise RuleError("must be a single RRULE such as FREQ=WEEKLY;BYDAY=MO,WE,FR")
    parts: dict[str, str] = {}
    for part in rule.split(";"):
        name, sep, value = part.partition("=")
        if not sep or not value:
            raise RuleError(f"'{part}' is not NAME=VALUE")
        if name == "DTSTART":
            raise RuleError("must not carry its own DTSTART: the series starts at due_date")
        if name not in _KNOWN_PARTS:
            raise RuleError(f"unknown rule part '{name}'")
        if name in parts:
            raise RuleError(f"rule part '{name}' is given twice")
        parts[name] = value
    if "FREQ" not in parts:
        raise RuleError("FREQ is required")
    if parts["FREQ"] in _FORBIDDEN_FREQ:
        raise RuleError(f"FREQ={parts['FREQ']} is not supported (at most hourly)")
    if "UNTIL" in parts and "COUNT" in parts:
        raise RuleError("UNTIL and COUNT must not both be given")
    if "UNTIL" in parts and not _UNTIL.match(parts["UNTIL"]):
        raise RuleError("UNTIL must be a date (YYYYMMDD) or date-time (YYYYMMDDTHHMMSS[Z])")
    try:
        _build(rule, datetime(2000, 1, 1, tzinfo=UTC), "UTC")
    except RuleError:
        raise
    except (ValueError, TypeError, OverflowError) as exc:
        raise RuleError(f"is not a valid RRULE: {exc}") from None
    return rule


def _build(rule: str, dtstart: datetime, tz: str) -> rrule:
    """dateutil's rrule, expanded in wall-clock time of `tz` from `dtstart`.

    A floating UNTIL (no Z) is read as wall-clock time in `tz` (a bare date: to the end of
    that day) and handed to dateutil in UTC, which it requires with an aware DTSTART.
    """
    zone = ZoneInfo(tz)
    parts = []
    for part in rule.split(";"):
        name, _, value = part.partition("=")
        if name == "UNTIL":
            day, clock, utc = _UNTIL.match(value).groups()  # type: ignore[union-attr]
            until = datetime.strptime(day + (clock or "235959"), "%Y%m%d%H%M%S")
            if not utc:
                until = until.replace(tzinfo=zone).astimezone(UTC)
            value = until.strftime("%Y%m%dT%H%M%SZ")
        parts.append(f"{name}={value}")
    result = rrulestr(";".join(parts), dtstart=dtstart.astimezone(zone))
    if not isinstance(result, rrule):
        raise RuleError("must be a single RRULE")
    return result


def check_series(rule: str, due: datetime, tz: str) -> None:
    """RuleError when the rule, started at `due` in `tz`, never produces a date."""
    if _build(rule, due, tz).after(due, inc=True) is None:
        raise RuleError("never produces a date from due_date on")


def next_due(task: dict, completed_at: datetime) -> datetime | None:
    """The due date of the occurrence after `task`, or None when the series is exhausted.

    anchor "due": the rule's next date strictly after the task's due date, expanded from the
    series' first due date so COUNT and UNTIL hold across the whole series.
    anchor "completion": the rule restarted on the day of completion at the due date's time of
    day; COUNT is checked against the occurrence number.
    """
    rule, tz, due = task["recurrence_rule"], task["timezone"], task["due_date"]
    if task["recurrence_anchor"] == "completion":
        zone = ZoneInfo(tz)
        local_due = due.astimezone(zone)
        start = datetime.combine(completed_at.astimezone(zone).date(), local_due.timetz())
        series = _build(_without_count(rule), start, tz)
        count = _count(rule)
        if count is not None and task["occurrence"] >= count:
            return None
        nxt = series.after(start, inc=False)
    else:
        nxt = _build(rule, task["series_start"], tz).after(due, inc=False)
    return nxt.astimezone(UTC) if nxt else None


def preview(task: dict, count: int) -> list[datetime]:
    """Up to `count` due dates of the series from the task's own due date, creating nothing.

    For the completion anchor each occurrence is assumed completed on its due date.
    """
    due = task["due_date"]
    if due is None:
        return []
    dates = [due]
    current = dict(task)
    while task["recurrence_rule"] and len(dates) < count:
        nxt = next_due(current, completed_at=current["due_date"])
        if nxt is None:
            break
        dates.append(nxt)
        current = {**current, "due_date": nxt, "occurrence": current["occurrence"] + 1}
    return dates


def reminder_for(task: dict, new_due: datetime) -> datetime | None:
    """The next occurrence's reminder: the same offset before its due date."""
    if task["reminder_at"] is None:
        return None
    offset: timedelta = task["due_date"] - task["reminder_at"]
    return new_due - offset


def _count(rule: str) -> int | None:
    match = re.search(r"(?:^|;)COUNT=(\d+)", rule)
    return int(match.group(1)) if match else None


def _without_count(rule: str) -> str:
    return ";".join(p for p in rule.split(";") if not p.startswith("COUNT="))


__all__ = [
    "RuleError",
    "check_series",
    "next_due",
    "normalize_rule",
    "preview",
    "reminder_for",
    "timezones",
]
