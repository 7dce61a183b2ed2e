"""The task counters under concurrent writers of one user: no deadlock, totals exact (real threads,
contention asserted)."""

from __future__ import annotations

from typing import Any

import psycopg

from tests.api import Api
from tests.concurrency import conflicts, race
from tests.postgres import Database

TASKS = "/api/v1/tasks"
PRIORITIES = ("low", "medium", "high")
THREADS = 16


def deltas_appended(database: Database) -> int:
    """How many changes ever went to task_count_deltas (a sequence: rollbacks do not undo it)."""
    with psycopg.connect(database.url) as conn:
        row = conn.execute("SELECT last_value, is_called FROM task_count_deltas_id_seq").fetchone()
    assert row is not None
    return row[0] if row[1] else 0


def test_batches_of_one_user_changing_counters_in_opposite_orders_never_deadlock(
    wide: Api, database: Database
) -> None:
    """Each thread's batch changes the priority of an open task (two open-task counters) and of a
    completed one (two done-task counters), half the threads in one order and half in the other:
    with counters updated under row locks held to commit, two such batches hold what the other
    needs next. Nothing here locks a list (a priority change leaves the task where it is)."""
    alice = wide
    mine = []
    for i in range(THREADS):
        open_task = alice.create(title=f"open {i}", priority="high")
        done_task = alice.create(title=f"done {i}", priority="low", completed=True)
        mine.append((open_task["id"], done_task["id"]))
    before_conflicts, before_deltas = conflicts(), deltas_appended(database)

    def churn(i: int) -> list[int]:
        statuses = []
        for step in range(8):
            open_id, done_id = mine[i]
            ops = [
                {
                    "method": "PATCH",
                    "path": f"{TASKS}/{task}",
                    "body": {"priority": PRIORITIES[(step + k) % 3]},
                }
                for k, task in enumerate((open_id, done_id) if i % 2 else (done_id, open_id))
            ]
            statuses.append(alice.request("POST", "/api/v1/batch", json={"operations": ops}).status_code)
        return statuses

    outcome = race(THREADS, churn)

    assert outcome.most_in_flight > 1
    assert [s for statuses in outcome.results for s in statuses if s != 200] == []  # no 503
    assert conflicts() == before_conflicts  # not even one deadlock retried away
    assert deltas_appended(database) > before_deltas  # writers really met on the counters
    assert_totals_exact(alice, database)


def test_creates_of_one_user_from_many_threads_keep_the_totals_exact(wide: Api, database: Database) -> None:
    alice = wide
    lists = [alice.request("POST", "/api/v1/lists", json={"name": f"L{i}"}).json["id"] for i in range(4)]

    def create(i: int) -> list[int]:
        return [
            alice.request(
                "POST",
                TASKS,
                json={
                    "title": f"t{i}-{n}",
                    "priority": PRIORITIES[(i + n) % 3],
                    "completed": n % 2 == 0,
                    "list_id": lists[(i + n) % 4],
                },
            ).status_code
            for n in range(10)
        ]

    outcome = race(THREADS, create)

    assert outcome.most_in_flight > 1
    assert {s for statuses in outcome.results for s in statuses} == {201}
    assert_totals_exact(alice, database)


def assert_totals_exact(api: Api, database: Database) -> None:
    """Every status and priority total the API gives equals a count of the user's tasks."""
    with psycopg.connect(database.url) as conn:
        rows = conn.execute(
            "SELECT completed, priority, count(*) FROM tasks WHERE user_id = %s GROUP BY 1, 2", (api.user_id,)
        ).fetchall()
    counted: dict[tuple[bool, str], Any] = {(c, p): n for c, p, n in rows}
    for completed in (False, True):
        for priority in PRIORITIES:
            params = {"completed": str(completed).lower(), "priority": priority, "limit": "1"}
            total = api.request("GET", TASKS, params=params).json["total"]
            assert total == counted.get((completed, priority), 0), (completed, priority)
    assert api.request("GET", TASKS, params={"limit": "1"}).json["total"] == sum(counted.values())
