"""A step budget for recurrence work: Python calls counted by a per-thread trace hook.

dateutil looks for a rule's next date in a loop that yields nothing until it finds one, so a
budget checked between results cannot stop a rule that never matches. A `sys.settrace` hook sees
every Python call (and generator resumption) of the thread it is installed in, and raising from
it ends the computation where it stands. A call costs one step, or what the work it starts costs:
a day set's days times the filters they go through, an hourly time set's size. Steps are counted,
not seconds, so the same rule always gets the same answer. The hook is installed only while a
computation runs and the previous trace function is restored afterwards; computations nest and
share the outermost one's allowance.
"""

from __future__ import annotations

import calendar
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import CodeType, FrameType
from typing import Any

from dateutil.rrule import _iterinfo

from taskapi.domain.rrule import RuleError

# Calibration (rules that never match, one per FREQ and per costly part, run to the budget's end;
# bench/recurrence.py for the hostile rules): with the weights below a step costs 0.2 to 1.2 us
# of CPU under the hook here, i.e. 800 to 5000 steps a millisecond, so 40000 steps are at most
# ~50 ms of CPU (and about 10 ms for the cheapest rules).
STEPS = 40_000


class TooCostly(RuleError):
    """The computation ran out of steps; str(e) says so, for the client."""

    def __init__(self) -> None:
        super().__init__("is too costly to expand: its dates are too far apart or too many per day")


@dataclass
class Meter:
    """One computation's allowance: `used` steps of `limit`."""

    limit: int
    used: int = 0
    exhausted: bool = False

    def trace(self, frame: FrameType, event: str, arg: Any) -> None:
        # the global hook sees 'call' events only (returning None traces no lines); once spent,
        # a meter an inner block put back stays quiet while the error unwinds
        if self.exhausted:
            return
        weight = _WEIGHTS.get(frame.f_code, 1)
        self.charge(weight(frame) if callable(weight) else weight)

    def charge(self, steps: int) -> None:
        if self.used + steps > self.limit:
            self.exhausted = True
            raise TooCostly()  # CPython removes the hook as the error leaves it
        self.used += steps


def _time_set(frame: FrameType) -> int:
    rule = frame.f_locals["self"].rrule
    return len(rule._byminute) * len(rule._bysecond)


def _days(count: int) -> Callable[[FrameType], int]:
    """A day set's weight: its days times the filters each goes through (the first one settles
    most days, hence one less)."""

    def weight(frame: FrameType) -> int:
        rule = frame.f_locals["self"].rrule
        filters = sum(1 for name in _FILTERS if getattr(rule, name))
        return count * max(1, filters - 1)

    return weight


_FILTERS = ("_bymonth", "_byweekno", "_byweekday", "_bynweekday", "_bymonthday", "_byyearday", "_bysetpos")
# dateutil's work between two calls: a period's days go through its filters in rrule._iter once
# the period's day set is made, an hourly rule's time set is remade every hour
_WEIGHTS: dict[CodeType, int | Callable[[FrameType], int]] = {
    _iterinfo.ydayset.__code__: _days(366),
    _iterinfo.mdayset.__code__: _days(31),
    _iterinfo.wdayset.__code__: _days(14),
    _iterinfo.ddayset.__code__: _days(10),
    _iterinfo.htimeset.__code__: _time_set,
    calendar.monthrange.__code__: 3,  # a huge INTERVAL makes dateutil count months one by one
}


@dataclass
class _State(threading.local):
    meter: Meter | None = None
    observers: list[list[int]] = field(default_factory=list)


_state = _State()


@contextmanager
def metered(steps: int = STEPS) -> Iterator[Meter]:
    """Count the steps of the block, raising TooCostly past `steps` (or past what is left of an
    enclosing block's allowance, which the block then uses up as well)."""
    outer = _state.meter
    if outer is not None:
        with _traced(outer):
            yield outer
        return
    meter = Meter(steps)
    _state.meter = meter
    try:
        with _traced(meter):
            yield meter
    finally:
        _state.meter = None
        for seen in _state.observers:
            seen.append(meter.used)


@contextmanager
def _traced(meter: Meter) -> Iterator[None]:
    previous: Callable[..., Any] | None = sys.gettrace()
    sys.settrace(meter.trace)
    try:
        yield
    finally:
        sys.settrace(previous)
    if meter.exhausted:
        # the block swallowed the error (or it surfaced as another one): the answer stays "no"
        raise TooCostly()


@contextmanager
def observe() -> Iterator[list[int]]:
    """The steps each outermost computation in this thread used while the block ran (tests, bench)."""
    seen: list[int] = []
    _state.observers.append(seen)
    try:
        yield seen
    finally:
        _state.observers.remove(seen)
