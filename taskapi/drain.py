"""Drain on SIGTERM: report not-ready for a grace period while still serving, then stop as usual.

gunicorn's own SIGTERM stops accepting at once, but each worker keeps its copy of the listening
socket until it exits: the kernel goes on queueing connections that nobody accepts, the load
balancer's check still succeeds, and whatever is queued is reset at exit. With `install()`, the
first SIGTERM only marks the instance draining (GET /health answers 503, so the load balancer
takes it out) and gunicorn's stop follows `seconds` later, when no new connection arrives any more.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import signal
from typing import Any

# Created when gunicorn.conf.py imports this module in the master, before any worker is forked:
# the shared memory is inherited by every worker, also those forked later, so the master's flag
# is what each worker's /health reads. Outside gunicorn it simply stays False.
_draining = multiprocessing.RawValue(ctypes.c_bool, False)


def draining() -> bool:
    return bool(_draining.value)


def install(arbiter: Any, seconds: float) -> None:
    """Make the gunicorn arbiter's first SIGTERM start a drain of `seconds`; the next SIGTERM
    (the operator's second one, or ours when the time is up) is gunicorn's graceful stop, and
    SIGINT/SIGQUIT stay gunicorn's quick stop. `seconds` <= 0 keeps gunicorn's behaviour."""
    if seconds <= 0:
        return
    graceful_stop = arbiter.handle_term  # raises StopIteration: the arbiter's loop halts

    def handle_term() -> None:
        if _draining.value:
            signal.setitimer(signal.ITIMER_REAL, 0)
            graceful_stop()
        _draining.value = True
        arbiter.log.info("SIGTERM: draining for %s s (/health answers 503), then stopping", seconds)
        signal.setitimer(signal.ITIMER_REAL, seconds)

    # the arbiter looks its handlers up on the instance for each signal it takes from its queue
    arbiter.handle_term = handle_term
    # the end of the grace period is queued like a second SIGTERM; an interval timer is not
    # inherited by forked workers, and it needs no thread in the master (which forks)
    signal.signal(signal.SIGALRM, lambda signum, frame: arbiter.signal(signal.SIGTERM, frame))
