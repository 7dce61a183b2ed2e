"""Run one call from many real threads at once, and prove the calls really overlapped."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from prometheus_client import REGISTRY

T = TypeVar("T")


@dataclass
class Race(Generic[T]):
    results: list[T]
    most_in_flight: int  # the most calls running at one moment: 1 means they never overlapped


def race(threads: int, call: Callable[[int], T], timeout: float = 60) -> Race[T]:
    """`call(i)` from `threads` threads released together by a barrier. Fails unless every thread
    finished within `timeout` without raising."""
    barrier, lock = threading.Barrier(threads), threading.Lock()
    results: list[T | None] = [None] * threads
    errors: list[BaseException] = []
    in_flight = most = 0

    def worker(index: int) -> None:
        nonlocal in_flight, most
        barrier.wait()
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        try:
            results[index] = call(index)
        except BaseException as exc:
            errors.append(exc)
        finally:
            with lock:
                in_flight -= 1

    workers = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout)
    stuck = [thread.name for thread in workers if thread.is_alive()]
    assert not stuck, f"{len(stuck)} of {threads} threads did not finish within {timeout} s"
    if errors:
        raise errors[0]
    return Race([r for r in results if r is not None], most)  # type: ignore[misc]


def conflicts() -> float:
    """How many requests this process answered 503 because PostgreSQL rolled their transaction
    back to break a deadlock (or a serialization failure)."""
    return REGISTRY.get_sample_value("taskapi_database_unavailable_total", {"reason": "conflict"}) or 0
