"""RRULE recurrence: checking rules and expanding a series in the task's own time zone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import islice
from zoneinfo import ZoneInfo, available_timezones

from dateutil.rrule import rrule, rrulestr

from taskapi import syntax

MAX_RULE_LENGTH = syntax.MAX_RULE_LENGTH
# how many instances a series is walked through from its first due date before we give up on
# COUNT-exact expansion (an hourly series running for over a decade); see next_due
MAX_SCAN = 100_000
_LAST_YEAR = 9999
_GREGORIAN_CYCLE_YEARS = 400  # weekdays, leap years and month lengths repeat every 400 years
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
# ASCII digits only: Python's \d and int() also read other scripts' digits
_UNTIL = re.compile(r"([0-9]{8})(?:T([0-9]{6})(Z?))?")
_POSITIVE = re.compile(r"[1-9][0-9]{0,8}")
# RFC 5545 3.3.10 value ranges dateutil does not check itself (it then never matches)
_RANGES = {
    "BYSECOND": (0, 60, False),
    "BYMINUTE": (0, 59, False),
    "BYHOUR": (0, 23, False),
    "BYMONTHDAY": (1, 31, True),
    "BYYEARDAY": (1, 366, True),
    "BYWEEKNO": (1, 53, True),
    "BYMONTH": (1, 12, False),
    "BYSETPOS": (1, 366, True),
}


class RuleError(ValueError):
    """The rule is not acceptable; str(e) says why, for the client."""


@lru_cache(maxsize=1)
def timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def normalize_rule(text: str) -> str:
    """The rule in canonical form (upper case, no `RRULE:` prefix); RuleError when malformed."""
    if len(text) > MAX_RULE_LENGTH:
        raise RuleError(f"must be at most {MAX_RULE_LENGTH} characters")
    if not text.strip().isascii():  # str.upper() turns some letters into ASCII ones (dotless i into I)
        raise RuleError("must be a single RRULE such as FREQ=WEEKLY;BYDAY=MO,WE,FR")
    rule = text.strip().upper()
    if rule.startswith("RRULE:"):
        rule = rule[len("RRULE:") :]
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
    if next(iter(parts)) != "FREQ":
        raise RuleError("FREQ must be the first rule part (RFC 5545)")
    if parts["FREQ"] in _FORBIDDEN_FREQ:
        raise RuleError(f"FREQ={parts['FREQ']} is not supported (at most hourly)")
    if "UNTIL" in parts and "COUNT" in parts:
        raise RuleError("UNTIL and COUNT must not both be given")
    if "UNTIL" in parts and not _UNTIL.fullmatch(parts["UNTIL"]):
        raise RuleError("UNTIL must be a date (YYYYMMDD) or date-time (YYYYMMDDTHHMMSS[Z])")
    for name in ("COUNT", "INTERVAL"):
        if name in parts and not _POSITIVE.fullmatch(parts[name]):
            raise RuleError(f"{name} must be a positive integer")
    for name, (low, high, signed) in _RANGES.items():
        for item in parts.get(name, "0" if low == 0 else str(low)).split(","):
            number = item[1:] if signed and item[:1] in "+-" and len(item) > 1 else item
            if not (number.isascii() and number.isdigit() and low <= int(number) <= high):
                sign = "±" if signed else ""
                raise RuleError(f"{name} values must be {sign}{low} to {sign}{high}, not '{item}'")
    if "UNTIL" in parts:
        try:
            until_utc(parts["UNTIL"], ZoneInfo("UTC"))
        except ValueError:
            raise RuleError(f"UNTIL '{parts['UNTIL']}' is not a real date or time") from None
    if int(parts.get("COUNT", 1)) > MAX_SCAN:
        raise RuleError(f"COUNT must be at most {MAX_SCAN}")
    for name, value in parts.items():  # what is left to check: FREQ, BYDAY and WKST
        if name != "FREQ" and not re.fullmatch(syntax.RULE_PARTS[name], value):
            raise RuleError(f"'{name}={value}' is not RFC 5545 syntax")
    try:
        _rrule(rule, datetime(2000, 1, 1, tzinfo=ZoneInfo("UTC")))
    except RuleError:
        raise
    except (ValueError, TypeError, OverflowError, KeyError, IndexError) as exc:
        raise RuleError(f"is not a valid RRULE: {exc}") from None
    return rule


def _rrule(rule: str, dtstart: datetime, *, shift_years: int = 0) -> rrule:
    """dateutil's rrule from `dtstart` (aware, in the task's zone), so it expands in wall-clock time.

    A floating UNTIL (no Z) is read as wall-clock time in the task's zone, a bare date as the end
    of that day, and handed to dateutil in UTC, which it requires with an aware DTSTART.
    `shift_years` (a multiple of 400) moves UNTIL along with a DTSTART moved by as much.
    """
    parts = []
    for part in rule.split(";"):
        name, _, value = part.partition("=")
        if name == "UNTIL":
            until = until_utc(value, dtstart.tzinfo)  # type: ignore[arg-type]
            if shift_years:
                until = until.replace(year=min(until.year + shift_years, _LAST_YEAR))
            value = until.strftime("%Y%m%dT%H%M%SZ")
        parts.append(f"{name}={value}")
    result = rrulestr(";".join(parts), dtstart=dtstart)
    if not isinstance(result, rrule):
        raise RuleError("must be a single RRULE")
    return result


def until_utc(value: str, zone: ZoneInfo) -> datetime:
    """An UNTIL value as an aware UTC moment (floating values read in `zone`)."""
    match = _UNTIL.fullmatch(value)
    if match is None:
        raise RuleError("UNTIL must be a date (YYYYMMDD) or date-time (YYYYMMDDTHHMMSS[Z])")
    day, clock, utc = match.groups()
    until = datetime.strptime(day + (clock or "235959"), "%Y%m%d%H%M%S")
    return until.replace(tzinfo=UTC) if utc else until.replace(tzinfo=zone).astimezone(UTC)


def check_series(rule: str, due: datetime, tz: str) -> None:
    """RuleError when the rule, started at `due` in `tz`, never produces a date.

    dateutil looks for a first date up to the year 9999, which takes seconds for an hourly rule
    that can never match (BYMONTH=2;BYMONTHDAY=30). The calendar repeats every 400 years, so the
    same question is asked about a start moved by whole 400-year cycles close to 9999: at most
    about 400 years are searched, and a rule whose first date lies further out is refused too.
    """
    start = due.astimezone(ZoneInfo(tz))
    cycles = max(0, (_LAST_YEAR - 2 * _GREGORIAN_CYCLE_YEARS - start.year) // _GREGORIAN_CYCLE_YEARS + 1)
    shift = cycles * _GREGORIAN_CYCLE_YEARS
    moved = start.replace(year=start.year + shift)
    if next(iter(_rrule(rule, moved, shift_years=shift)), None) is None:
        raise RuleError("never produces a date from due_date on")


def _instances(rule: str, start: datetime, tz: str) -> Iterator[datetime]:
    """The RFC 5545 recurrence set of a series first due at `start`, in UTC, oldest first.

    DTSTART is always the first instance and counts towards COUNT, even when the rule itself
    would not produce it (RFC 5545 3.8.5.3); dateutil leaves it out in that case. A duplicate
    instance counts once (3.8.5.3).
    Wall-clock times that do not exist (spring forward) take the offset before the switch, and
    ambiguous ones (fall back) the first of the two: zoneinfo's fold=0 does exactly that.
    """
    count = _count(rule)
    last = start.astimezone(UTC)
    yield last
    produced = 1
    # COUNT is applied here, not by dateutil, so a duplicate does not use up an occurrence
    for moment in _rrule(_without_count(rule), start.astimezone(ZoneInfo(tz))):
        instant = moment.astimezone(UTC)
        # DTSTART itself (dateutil gives it again, without its microseconds), and a wall-clock
        # time that lands on an instant already given (02:00 on a spring-forward day is 03:00)
        if instant <= last:
            continue
        if count is not None and produced >= count:
            return
        produced += 1
        last = instant
        yield instant


def _following(rule: str, start: datetime, tz: str, after: datetime) -> Iterator[datetime]:
    """The series' instances strictly after `after`.

    Walking from the series' first due date keeps COUNT and INTERVAL exact; a series without COUNT
    walked past MAX_SCAN instances (an hourly one running for over a decade) is expanded again
    from `after` instead, so a due date moved far ahead cannot make a request walk for minutes.
    """
    instances = _instances(rule, start, tz)
    for index, moment in enumerate(instances):
        if moment > after:
            yield moment
            yield from instances
            return
        if index >= MAX_SCAN and _count(rule) is None:
            yield from (m for m in _instances(rule, after, tz) if m > after)
            return


def next_due(task: dict, completed_at: datetime) -> datetime | None:
    """The due date of the occurrence after `task`, or None when the series is exhausted.

    anchor "due": the rule's next date strictly after the task's due date, expanded from the
    series' first due date so COUNT and UNTIL hold across the whole series.
    anchor "completion": the rule restarted on the day of completion at the due date's time of
    day, its first date after that; COUNT is checked against the occurrence number.
    """
    rule, tz, due = task["recurrence_rule"], task["timezone"], task["due_date"]
    if task["recurrence_anchor"] == "completion":
        count = _count(rule)
        if count is not None and task["occurrence"] >= count:
            return None
        zone = ZoneInfo(tz)
        wall_clock = due.astimezone(zone).time()
        start = datetime.combine(completed_at.astimezone(zone).date(), wall_clock, tzinfo=zone)
        nxt = _rrule(_without_count(rule), start).after(start, inc=False)
        return nxt.astimezone(UTC) if nxt else None
    return next(_following(rule, task["series_start"], tz, due), None)


def preview(task: dict, count: int) -> list[datetime]:
    """Up to `count` due dates of the series from the task's own due date, creating nothing.

    For the completion anchor each occurrence is assumed completed on its due date.
    """
    due = task["due_date"]
    if due is None:
        return []
    dates = [due.astimezone(UTC)]
    if not task["recurrence_rule"]:
        return dates
    if task["recurrence_anchor"] == "due":
        following = _following(task["recurrence_rule"], task["series_start"], task["timezone"], due)
        return dates + list(islice(following, count - 1))
    current = dict(task)
    while len(dates) < count:
        nxt = next_due(current, completed_at=current["due_date"])
        if nxt is None:
            break
        dates.append(nxt)
        current = {**current, "due_date": nxt, "occurrence": current["occurrence"] + 1}
    return dates


def remaining_rule(task: dict) -> str:
    """The task's rule restated for a series that starts at the task's own due date (iCalendar).

    COUNT becomes the number of occurrences left (this one included); UNTIL becomes UTC, as
    RFC 5545 requires next to a DTSTART with a time zone.
    """
    rule, tz = task["recurrence_rule"], task["timezone"]
    # the occurrence number, not a walk through the series: an export of thousands of series
    # stays cheap (a due date moved off the rule's dates makes this approximate)
    left = max(1, (_count(rule) or 0) - task["occurrence"] + 1)
    parts = []
    for part in rule.split(";"):
        name, _, value = part.partition("=")
        if name == "UNTIL":
            value = until_utc(value, ZoneInfo(tz)).strftime("%Y%m%dT%H%M%SZ")
        elif name == "COUNT":
            value = str(left)
        parts.append(f"{name}={value}")
    return ";".join(parts)


def reminder_for(task: dict, new_due: datetime) -> datetime | None:
    """The next occurrence's reminder: the same amount of time before its due date."""
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
    "remaining_rule",
    "reminder_for",
    "timezones",
    "until_utc",
]
