"""RRULE recurrence: expanding a series in the task's own time zone, within a step budget."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from taskapi.domain import budget
from taskapi.domain.budget import TooCostly
from taskapi.domain.rrule import (
    RuleError,
    dateutil_rule,
    ical_utc,
    normalize_rule,
    parse_parts,
    until_utc,
)

# the latest due date the API takes (schemas.LATEST): a series ends before any date past it, so
# every due date it stores can be shown in every time zone, UTC+14 included
LATEST = datetime(9999, 12, 30, tzinfo=UTC)
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def check_series(rule: str, due: datetime, tz: str, start: datetime | None = None) -> None:
    """RuleError when the series first due at `start` (default: `due`) has no date from `due` on,
    or when finding its next date after `due` (what completing the task does) runs out of steps."""
    with budget.metered():
        # the rule's own dates: DTSTART, always an instance, proves nothing about the rule
        dates = _following(rule, start or due, tz, due - timedelta(microseconds=1), with_start=False)
        first = next(dates, None)
        if first is None:
            raise RuleError("never produces a date from due_date on")
        if first <= due:
            next(dates, None)


def next_due(task: dict, completed_at: datetime) -> datetime | None:
    """The due date of the occurrence after `task`, or None when the series is exhausted;
    TooCostly when finding it runs out of steps.

    anchor "due": the rule's next date strictly after the task's due date, in the series
    expanded from its first due date (so INTERVAL and UNTIL hold across the whole series).
    anchor "completion": the rule restarted on the day of completion at the due date's time of
    day, its first date after that. Either way COUNT is checked against the occurrence number.
    """
    rule, tz, due = task["recurrence_rule"], task["timezone"], task["due_date"]
    count = _count(rule)
    if count is not None and task["occurrence"] >= count:
        return None
    with budget.metered():
        if task["recurrence_anchor"] == "completion":
            zone = ZoneInfo(tz)
            wall_clock = _local(due, zone).time()
            start = _utc(datetime.combine(_local(completed_at, zone).date(), wall_clock, tzinfo=zone))
            return None if start is None else next(_following(rule, start, tz, start), None)
        return next(_following(rule, task["series_start"], tz, due), None)


def preview(task: dict, count: int) -> list[datetime]:
    """Up to `count` due dates of the series from the task's own due date, creating nothing;
    those found within the step budget when finding them all would take more.

    For the completion anchor each occurrence is assumed completed on its due date.
    """
    due = task["due_date"]
    if due is None:
        return []
    dates = [due.astimezone(UTC)]
    if not task["recurrence_rule"]:
        return dates
    try:
        with budget.metered():
            if task["recurrence_anchor"] == "due":
                _preview_due(task, count, dates)
            else:
                _preview_completion(task, count, dates)
    except TooCostly:
        pass
    return dates


def _preview_due(task: dict, count: int, dates: list[datetime]) -> None:
    rule, total = task["recurrence_rule"], _count(task["recurrence_rule"])
    limit = count if total is None else min(count, total - task["occurrence"] + 1)
    if len(dates) >= limit:
        return
    for moment in _following(rule, task["series_start"], task["timezone"], task["due_date"]):
        dates.append(moment)
        if len(dates) >= limit:
            return


def _preview_completion(task: dict, count: int, dates: list[datetime]) -> None:
    current = dict(task)
    while len(dates) < count:
        nxt = next_due(current, completed_at=current["due_date"])
        if nxt is None:
            return
        dates.append(nxt)
        current = {**current, "due_date": nxt, "occurrence": current["occurrence"] + 1}


def _following(
    rule: str, start: datetime, tz: str, after: datetime, *, with_start: bool = True
) -> Iterator[datetime]:
    """The instants of the series first due at `start` strictly after `after`, in UTC, oldest
    first, up to LATEST; COUNT is left to the caller (it counts occurrences).

    DTSTART is always the first instance, even when the rule itself would not produce it
    (RFC 5545 3.8.5.3). An instant produced twice comes once (02:00 on a spring-forward day is
    03:00). Wall-clock times that do not exist take the offset before the switch, ambiguous ones
    the first of the two: zoneinfo's fold=0 does exactly that.
    """
    zone = ZoneInfo(tz)
    if after < start and with_start:
        yield start.astimezone(UTC)
        after = start
    walk_rule, walk_start = aligned_start(_without_count(rule), _local(start, zone), _local(after, zone))
    last = after
    for moment in dateutil_rule(walk_rule, walk_start):
        instant = _utc(moment)
        if instant is None:
            return
        if instant > last:
            last = instant
            yield instant


def aligned_start(rule: str, start: datetime, after: datetime) -> tuple[str, datetime]:
    """A rule and DTSTART (wall-clock, in the zone of `start`) whose dates after `after` are the
    series' own, started at most a few periods of the rule before `after`.

    The series' first dates lie far behind a due date moved years ahead, or a series that has run
    for long; walking them all would cost steps for nothing. A start moved on by whole periods of
    FREQ x INTERVAL keeps the rule's alignment, and the parts dateutil would take from DTSTART
    are spelled out; DTSTART itself (always an instance) is then never one of the dates wanted.
    """
    parts = parse_parts(rule)
    freq, interval = parts["FREQ"], int(parts.get("INTERVAL", 1))
    s, a = start.replace(tzinfo=None), after.replace(tzinfo=None)
    elapsed = {
        "HOURLY": (a - s) // timedelta(hours=1),
        "DAILY": (a.date() - s.date()).days,
        "WEEKLY": (a.date() - s.date()).days // 7,
        "MONTHLY": (a.year - s.year) * 12 + a.month - s.month,
        "YEARLY": a.year - s.year,
    }[freq]
    periods = (elapsed // interval - 2) * interval  # two periods' margin for DST and partial ones
    if periods <= 0:
        return rule, start
    if not {"BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY"} & parts.keys():
        if freq == "YEARLY":
            parts.setdefault("BYMONTH", str(s.month))
        if freq in ("YEARLY", "MONTHLY"):
            parts["BYMONTHDAY"] = str(s.day)
        elif freq == "WEEKLY":
            parts["BYDAY"] = _WEEKDAYS[s.weekday()]
    if freq != "HOURLY":
        parts.setdefault("BYHOUR", str(s.hour))
    parts.setdefault("BYMINUTE", str(s.minute))
    parts.setdefault("BYSECOND", str(s.second))
    if freq in ("HOURLY", "DAILY", "WEEKLY"):
        unit = {"HOURLY": timedelta(hours=1), "DAILY": timedelta(days=1), "WEEKLY": timedelta(weeks=1)}
        moved = s.replace(microsecond=0) + periods * unit[freq]
    elif freq == "MONTHLY":
        year, month = divmod(s.year * 12 + s.month - 1 + periods, 12)
        moved = s.replace(year=year, month=month + 1, day=1, microsecond=0)
    else:
        moved = s.replace(year=s.year + periods, month=1, day=1, microsecond=0)
    return ";".join(f"{k}={v}" for k, v in parts.items()), moved.replace(tzinfo=start.tzinfo)


def remaining_rule(task: dict) -> str:
    """The task's rule restated for a series that starts at the task's own due date (iCalendar).

    COUNT becomes the number of occurrences left (this one included); UNTIL becomes UTC, as
    RFC 5545 requires next to a DTSTART with a time zone. Work in proportion to the rule's length.
    """
    rule, tz = task["recurrence_rule"], task["timezone"]
    left = max(1, (_count(rule) or 0) - task["occurrence"] + 1)
    parts = []
    for part in rule.split(";"):
        name, _, value = part.partition("=")
        if name == "UNTIL":
            value = ical_utc(until_utc(value, ZoneInfo(tz)))
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


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    try:
        return moment.astimezone(zone)
    except OverflowError:
        raise RuleError("due_date lies beyond the year 9999 in the task's time zone") from None


def _utc(moment: datetime) -> datetime | None:
    """The moment in UTC; None when it lies beyond LATEST (where every series ends)."""
    try:
        instant = moment.astimezone(UTC)
    except OverflowError:
        return None
    return instant if instant <= LATEST else None


def _count(rule: str) -> int | None:
    match = re.search(r"(?:^|;)COUNT=(\d+)", rule)
    return int(match.group(1)) if match else None


def _without_count(rule: str) -> str:
    return ";".join(p for p in rule.split(";") if not p.startswith("COUNT="))


__all__ = [
    "LATEST",
    "RuleError",
    "TooCostly",
    "check_series",
    "next_due",
    "normalize_rule",
    "preview",
    "remaining_rule",
    "reminder_for",
    "until_utc",
]
