"""A step budget for recurrence work: Python calls counted by a per-thread trace hook.

dateutil looks for a rule's next date in a loop that yields nothing until it finds one, so a
budget checked between results cannot stop a rule that never matches. A `sys.settrace` hook sees
every Python call (and generator resumption) of the thread it is installed in, dateutil's inner
loop included, and raising from it ends the computation where it stands. Steps are counted, not
seconds, so the same rule always gets the same answer. The hook is installed only while a
computation runs and the previous trace function is restored afterwards; computations nest and
share the outermost one's allowance.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from taskapi.rules import RuleError

# Calibration (python -m bench.recurrence): under the hook, dateutil costs 4 to 16 us of CPU a step
# here, the dearest being a yearly rule whose 366-day filter runs per step, the cheapest a daily
# or hourly one; 3000 steps are at most ~50 ms, i.e. ~60 steps per ms for the dearest rules.
STEPS = 3_000


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
        # the global hook only ever sees 'call' events; returning None traces no lines
        self.used += 1
        if self.used > self.limit:
            self.exhausted = True
            raise TooCostly()  # CPython removes the hook as the error leaves it


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
