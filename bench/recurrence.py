"""`python -m bench.recurrence`: the CPU time recurrence spends on hostile rules, within its budget.

For each rule: validation (check_series), the occurrences preview (50 dates) and the rollover
(next_due), each run a few times in this thread; prints the median and maximum CPU time
(time.process_time) and the steps the budget counted, and how each computation answered.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from taskapi.domain import budget, recurrence

RUNS = 5
_M16 = ",".join(str(n) for n in range(16))
_M60 = ",".join(str(n) for n in range(60))
_NEAR = datetime(2026, 1, 5, 9, tzinfo=UTC)
_FAR = datetime(8996, 1, 5, 9, tzinfo=UTC)
_END = datetime(9999, 12, 29, 9, tzinfo=UTC)
# (name, rule, first due date of the series, due date of the open occurrence, zone)
HOSTILE: list[tuple[str, str, datetime, datetime, str]] = [
    (
        "feb30 16x16",
        f"FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30;BYMINUTE={_M16};BYSECOND={_M16}",
        _NEAR,
        _NEAR,
        "UTC",
    ),
    (
        "feb30 60x60",
        f"FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30;BYMINUTE={_M60};BYSECOND={_M60}",
        _NEAR,
        _NEAR,
        "UTC",
    ),
    ("hourly feb29 monday", "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;BYHOUR=9", _NEAR, _NEAR, "UTC"),
    ("... moved to 8996", "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;BYHOUR=9", _NEAR, _FAR, "UTC"),
    ("daily feb29 monday", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", _NEAR, _NEAR, "UTC"),
    ("yearly feb29 monday", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", _NEAR, _NEAR, "UTC"),
    ("yearly weekno 53 jan", "FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO;BYMONTH=1", _NEAR, _NEAR, "UTC"),
    ("monthly setpos", "FREQ=MONTHLY;BYDAY=MO,TU;BYMONTHDAY=13;BYSETPOS=-1,2", _NEAR, _NEAR, "UTC"),
    ("yearly setpos", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;BYSETPOS=1", _NEAR, _NEAR, "UTC"),
    (
        "hourly 96/day",
        "FREQ=HOURLY;BYHOUR=9;BYMINUTE=0,5,10,15,20,25,30,35,40,45,50,55;BYSECOND=0,7,14,21,28,35,42,49",
        _NEAR,
        _NEAR,
        "UTC",
    ),
    ("huge interval", "FREQ=HOURLY;INTERVAL=999999999", _NEAR, _NEAR, "UTC"),
    ("daily since 1900", "FREQ=DAILY", datetime(1900, 1, 1, 9, tzinfo=UTC), _NEAR, "Europe/Berlin"),
    ("hourly near 9999", "FREQ=HOURLY", _END, _END, "America/New_York"),
    ("weekly", "FREQ=WEEKLY;BYDAY=MO,WE,FR", _NEAR, _NEAR, "Europe/Berlin"),
]


def task(rule: str, start: datetime, due: datetime, zone: str = "UTC") -> dict[str, Any]:
    return {
        "recurrence_rule": rule,
        "recurrence_anchor": "due",
        "series_start": start,
        "due_date": due,
        "timezone": zone,
        "occurrence": 2,
        "reminder_at": None,
    }


def measure(compute: Callable[[], Any]) -> tuple[float, float, int, str]:
    """Median and maximum CPU milliseconds, the steps counted, and the answer."""
    times, answer, steps = [], "", 0
    for _ in range(RUNS):
        with budget.observe() as seen:
            started = time.process_time()
            try:
                result = compute()
                answer = "ok" if not isinstance(result, list) else f"{len(result)} dates"
            except recurrence.RuleError as exc:
                answer = type(exc).__name__
            times.append((time.process_time() - started) * 1000)
        steps = max(seen, default=0)
    return statistics.median(times), max(times), steps, answer


def computations(rule: str, start: datetime, due: datetime, zone: str) -> list[Callable[[], Any]]:
    """Validation, the preview and the rollover of one series."""
    t = task(rule, start, due, zone)
    return [
        lambda: recurrence.check_series(rule, due, zone, start),
        lambda: recurrence.preview(t, 50),
        lambda: recurrence.next_due(t, due),
    ]


def main() -> None:
    print(f"budget: {budget.STEPS} steps; CPU ms median/max of {RUNS} runs")
    print(f"{'rule':22} {'validation':>28} {'preview':>28} {'rollover':>28}")
    for name, rule, start, due, zone in HOSTILE:
        try:
            rule = recurrence.normalize_rule(rule)
        except recurrence.RuleError as exc:
            print(f"{name:22} refused as written: {exc}")
            continue
        cells = []
        for compute in computations(rule, start, due, zone):
            median, most, steps, answer = measure(compute)
            cells.append(f"{median:6.1f}/{most:6.1f} {steps:5d} {answer[:9]:>9}")
        print(f"{name:22} " + " ".join(cells))


if __name__ == "__main__":
    main()
