"""Concurrent batches: never interleaved half-way, and a deadlock between two is undone whole."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from taskapi.resources import batch as batch_module
from tests.api import Api
from tests.concurrency import conflicts, race
from tests.postgres import Database

BATCH = "/api/v1/batch"
TASKS = "/api/v1/tasks"


def patch_all(task_ids: list[str], title: str) -> list[dict[str, Any]]:
    return [{"method": "PATCH", "path": f"{TASKS}/{i}", "body": {"title": title}} for i in task_ids]


def read(api: Api, task_id: str) -> dict[str, Any]:
    return api.request("GET", f"{TASKS}/{task_id}").json


def test_batches_on_the_same_tasks_never_interleave(alice: Api) -> None:
    first, second = alice.create(title="0")["id"], alice.create(title="0")["id"]
    threads = 6

    def run(index: int) -> int:
        ops = patch_all([first, second], f"batch {index}")
        return alice.request("POST", BATCH, json={"operations": ops}).status_code

    outcome = race(threads, run)
    assert outcome.results == [200] * threads and outcome.most_in_flight > 1
    one, two = read(alice, first), read(alice, second)
    assert one["title"] == two["title"]  # the last batch's, on both: none came between its writes
    assert one["version"] == two["version"] == 1 + threads


@contextmanager
def rows_locked(database: Database, task_ids: list[str]) -> Iterator[psycopg.Connection[Any]]:
    """Hold the tasks' row locks (changing nothing) until the block ends."""
    with psycopg.connect(database.url) as conn:
        conn.execute("SELECT 1 FROM tasks WHERE id = ANY(%s::uuid[]) FOR UPDATE", (task_ids,))
        yield conn
        conn.rollback()


def wait_for_lock_waits(database: Database, count: int) -> None:
    """Until `count` of the app's connections wait for a lock (at most 30 s)."""
    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND application_name = 'taskapi' AND wait_event_type = 'Lock'"
    )
    with psycopg.connect(database.url, autocommit=True) as conn:
        for _ in range(1500):
            row = conn.execute(query).fetchone()
            if row is not None and row[0] >= count:
                return
            time.sleep(0.02)
    pytest.fail(f"{count} batches never waited for a lock together")


def deadlocked_batches(alice: Api, database: Database) -> tuple[list[Any], list[str], list[str]]:
    """Two batches that take t1 and t2 in opposite orders, each then held at its own gate task
    until both hold their first row: released, each waits for the other's, a certain deadlock.
    Returns their answers and (t1, t2, gate a, gate b), and each batch's title."""
    t1, t2, gate_a, gate_b = (alice.create(title="start")["id"] for _ in range(4))
    marks = ["A", "B"]
    orders = [[t1, gate_a, t2], [t2, gate_b, t1]]
    with ThreadPoolExecutor(2) as pool, rows_locked(database, [gate_a, gate_b]):
        futures: list[Future[Any]] = [
            pool.submit(alice.request, "POST", BATCH, json={"operations": patch_all(order, mark)})
            for order, mark in zip(orders, marks, strict=True)
        ]
        wait_for_lock_waits(database, 2)
    results = [future.result(timeout=60) for future in futures]
    return results, [t1, t2, gate_a, gate_b], marks


def test_a_deadlock_between_two_batches_is_run_again_once_and_both_commit_whole(
    alice: Api, database: Database
) -> None:
    before = conflicts()
    results, (t1, t2, gate_a, gate_b), _ = deadlocked_batches(alice, database)
    assert conflicts() == before + 1  # PostgreSQL really broke a deadlock
    assert [r.status_code for r in results] == [200, 200]
    one, two = read(alice, t1), read(alice, t2)
    assert one["title"] == two["title"] and one["version"] == two["version"] == 3
    assert read(alice, gate_a)["version"] == read(alice, gate_b)["version"] == 2


def test_a_deadlock_not_retried_is_503_and_leaves_nothing_of_the_loser(
    alice: Api, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch_module, "CONFLICT_RETRIES", 0)
    before = conflicts()
    results, (t1, t2, gate_a, gate_b), marks = deadlocked_batches(alice, database)
    assert conflicts() == before + 1
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 503]
    loser = next(r for r in results if r.status_code == 503)
    assert loser.headers["Retry-After"] and loser.json["type"] == "/problems/database-unavailable"
    assert "operation" not in loser.json  # the server's failure, not one operation's
    winner = marks[[r.status_code for r in results].index(200)]
    assert [read(alice, t)["title"] for t in (t1, t2)] == [winner, winner]
    assert read(alice, t1)["version"] == read(alice, t2)["version"] == 2
    gates = {"A": read(alice, gate_a), "B": read(alice, gate_b)}
    assert gates[winner]["version"] == 2
    loser_gate = gates["B" if winner == "A" else "A"]
    assert (loser_gate["title"], loser_gate["version"]) == ("start", 1)
