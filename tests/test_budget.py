"""The step budget itself, and the shortcut that keeps series walks short, against dateutil alone."""

from __future__ import annotations

import contextlib
import sys
import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bench.recurrence import task
from taskapi.domain import budget, recurrence
from taskapi.domain.rrule import dateutil_rule

NEVER = "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO"  # next from 2026: 2044
START = datetime(2026, 1, 5, 9, tzinfo=UTC)


def spin() -> None:
    next(iter(dateutil_rule(NEVER, START)))


def test_a_rule_that_finds_nothing_stops_at_the_budget_with_the_same_count_every_time() -> None:
    counts = []
    for _ in range(3):  # the first run also fills dateutil's and re's caches
        with budget.observe() as seen, pytest.raises(budget.TooCostly), budget.metered():
            spin()
        counts += seen
    assert counts[1] == counts[2] <= budget.STEPS
    assert counts[1] > budget.STEPS - 400  # it ran to the end of its allowance


def test_the_previous_trace_function_is_restored_and_nested_blocks_share_one_allowance() -> None:
    def previous(*args: Any) -> None:
        return None

    sys.settrace(previous)
    try:
        # the inner block joins the outer one's 1000 steps
        outer, inner = budget.metered(1000), budget.metered()
        with budget.observe() as seen, pytest.raises(budget.TooCostly), outer, inner:
            spin()
        assert sys.gettrace() is previous
    finally:
        sys.settrace(None)
    assert len(seen) == 1 and seen[0] <= 1000


def test_a_swallowed_exhaustion_still_ends_the_block_with_too_costly() -> None:
    # TooCostly is a RuleError, a ValueError
    with pytest.raises(budget.TooCostly), budget.metered(500), contextlib.suppress(ValueError):
        spin()


def test_the_budget_counts_only_its_own_thread() -> None:
    seen_there: list[int] = []

    def other() -> None:
        with budget.observe() as seen:
            for _ in range(3):
                recurrence.preview(task("FREQ=DAILY", START, START), 50)
        seen_there.extend(seen)

    with budget.observe() as seen_here, budget.metered(10**9):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    # this thread only started and joined the other: none of its three previews counted here
    assert len(seen_here) == 1 and seen_here[0] < 200
    assert len(seen_there) == 3 and 200 < min(seen_there) <= max(seen_there) < budget.STEPS


def _plain(rule: str, start: datetime, zone: str, after: datetime, n: int) -> list[datetime]:
    """The series' next `n` instants after `after`, walked by dateutil from the very start."""
    out: list[datetime] = []
    for moment in dateutil_rule(rule, start.astimezone(ZoneInfo(zone))):
        instant = moment.astimezone(UTC)
        if instant > after and (not out or instant > out[-1]):
            out.append(instant)
            if len(out) == n:
                break
    return out


@pytest.mark.parametrize(
    ("rule", "zone"),
    [
        ("FREQ=DAILY;INTERVAL=3", "Europe/Berlin"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", "America/New_York"),
        ("FREQ=WEEKLY;INTERVAL=3", "UTC"),
        ("FREQ=MONTHLY", "Europe/Berlin"),
        ("FREQ=MONTHLY;INTERVAL=5;BYDAY=-1FR", "UTC"),
        ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "Asia/Tokyo"),
        ("FREQ=YEARLY", "Europe/Berlin"),
        ("FREQ=YEARLY;INTERVAL=3;BYWEEKNO=1;BYDAY=MO", "UTC"),
        ("FREQ=HOURLY;INTERVAL=7;BYMINUTE=15", "America/New_York"),
        ("FREQ=HOURLY;INTERVAL=5;BYHOUR=1,2,3,13", "Europe/Berlin"),
        ("FREQ=DAILY;BYHOUR=8,20;UNTIL=20400101", "Europe/Berlin"),
    ],
)
def test_a_series_walked_from_a_later_start_gives_the_dates_of_the_whole_walk(rule: str, zone: str) -> None:
    start = datetime(2024, 1, 31, 20, 30, 15, tzinfo=UTC)  # the 31st, a leap year, odd seconds
    for after in (start + timedelta(days=9), start + timedelta(days=3000, hours=5)):
        ours = recurrence.preview(task(rule, start, after, zone), 21)[1:]
        assert ours == _plain(rule, start, zone, after, 20)
