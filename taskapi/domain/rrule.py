"""RRULE text: checking a rule's parts and its structural limits, and reading UNTIL."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from math import prod
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from taskapi.domain import syntax

MAX_RULE_LENGTH = syntax.MAX_RULE_LENGTH
MAX_COUNT = 100_000
# more dates a day than an every-15-minutes rule makes are no task series; the cap also bounds
# what dateutil builds per step (an hourly rule's BYMINUTE x BYSECOND set, rebuilt every hour)
MAX_PER_DAY = 96
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
_CLOCK_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND")
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class RuleError(ValueError):
    """The rule is not acceptable; str(e) says why, for the client."""


def parse_parts(rule: str) -> dict[str, str]:
    """NAME -> value of a rule in canonical form (as normalize_rule returns it)."""
    return dict(part.partition("=")[::2] for part in rule.split(";"))


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
    _check_parts(parts)
    try:
        dateutil_rule(rule, datetime(2000, 1, 1, tzinfo=ZoneInfo("UTC")))
    except RuleError:
        raise
    except (ValueError, TypeError, OverflowError, KeyError, IndexError) as exc:
        raise RuleError(f"is not a valid RRULE: {exc}") from None
    return rule


def dateutil_rule(rule: str, dtstart: datetime) -> rrule:
    """dateutil's rrule from `dtstart` (aware, in the task's zone), so it expands in wall-clock time.

    A floating UNTIL (no Z) is read as wall-clock time in the task's zone, a bare date as the end
    of that day, and handed to dateutil in UTC, which it requires with an aware DTSTART.
    """
    parts = []
    for part in rule.split(";"):
        name, _, value = part.partition("=")
        if name == "UNTIL":
            value = ical_utc(until_utc(value, dtstart.tzinfo))  # type: ignore[arg-type]
        parts.append(f"{name}={value}")
    result = rrulestr(";".join(parts), dtstart=dtstart)
    if not isinstance(result, rrule):
        raise RuleError("must be a single RRULE")
    return result


def _check_parts(parts: dict[str, str]) -> None:
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
    if int(parts.get("COUNT", 1)) > MAX_COUNT:
        raise RuleError(f"COUNT must be at most {MAX_COUNT}")
    for name, value in parts.items():  # what is left to check: FREQ, BYDAY and WKST
        if name != "FREQ" and not re.fullmatch(syntax.RULE_PARTS[name], value):
            raise RuleError(f"'{name}={value}' is not RFC 5545 syntax")
    _check_structure(parts)


def _check_structure(parts: dict[str, str]) -> None:
    """Cheap limits with a clearer message than the step budget's for the obvious cases."""
    sizes = {name: len(set(parts[name].split(","))) for name in _CLOCK_PARTS if name in parts}
    interval = int(parts.get("INTERVAL", 1))
    hours = sizes.get("BYHOUR", -(-24 // interval) if parts["FREQ"] == "HOURLY" else 1)
    per_day = prod((hours, sizes.get("BYMINUTE", 1), sizes.get("BYSECOND", 1)))
    if per_day > MAX_PER_DAY:
        raise RuleError(f"makes {per_day} dates a day; at most {MAX_PER_DAY} are supported")
    if "BYMONTHDAY" in parts:  # every other part only narrows the dates further
        days = [int(d) for d in parts["BYMONTHDAY"].split(",")]
        months = [int(m) for m in parts.get("BYMONTH", "1,2,3,4,5,6,7,8,9,10,11,12").split(",")]
        if not any(abs(d) <= _DAYS_IN_MONTH[m - 1] for d in days for m in months):
            raise RuleError("never produces a date: no month it names has the days it names")


def until_utc(value: str, zone: ZoneInfo) -> datetime:
    """An UNTIL value as an aware UTC moment (floating values read in `zone`); one that lies
    beyond what a datetime holds in UTC is the first or last moment one does."""
    match = _UNTIL.fullmatch(value)
    if match is None:
        raise RuleError("UNTIL must be a date (YYYYMMDD) or date-time (YYYYMMDDTHHMMSS[Z])")
    day, clock, utc = match.groups()
    until = datetime.strptime(day + (clock or "235959"), "%Y%m%d%H%M%S")
    if utc:
        return until.replace(tzinfo=UTC)
    try:
        return until.replace(tzinfo=zone).astimezone(UTC)
    except OverflowError:
        edge = datetime.min if until.year == 1 else datetime.max
        return edge.replace(tzinfo=UTC)


def ical_utc(moment: datetime) -> str:
    """A UTC moment as RFC 5545 writes it (strftime drops the leading zeros of a year before 1000)."""
    m = moment.astimezone(UTC)
    return f"{m.year:04d}{m.month:02d}{m.day:02d}T{m.hour:02d}{m.minute:02d}{m.second:02d}Z"
