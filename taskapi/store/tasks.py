"""TaskStore: the task aggregate's SQL, one unit of work per public method."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC
from typing import Any
from uuid import UUID

import orjson
import psycopg
from psycopg.pq import TransactionStatus
from psycopg.types.json import Jsonb
from uuid_utils.compat import uuid7

from taskapi.db import Database
from taskapi.domain import recurrence, rules
from taskapi.domain.errors import Invalid
from taskapi.store import listing, ranked
from taskapi.store.errors import (
    TaskLimitReached,
    TaskNotFound,
    VersionMismatch,
    constraints_as_invalid,
)
from taskapi.store.listing import After, ListFilter, Sort
from taskapi.store.newtasks import NewTasks
from taskapi.store.placement import NeedLocks, Place, Placer, stays

Row = dict[str, Any]
Change = Callable[[Row], Mapping[str, Any]]
"""What a write does to the current task: the writable fields it sets (a PUT all of them, a
PATCH those it was sent, a toggle `completed`)."""

# a write whose task keeps changing under it is, after this many tries, made under the row's lock
OPTIMISTIC_ATTEMPTS = 3


@dataclass(frozen=True)
class TaskChange:
    """A changed task and, when its completion rolled a series over, the next occurrence."""

    task: Row
    next_task: Row | None = None


@dataclass(frozen=True)
class ListPage:
    """Up to `limit` tasks (each with its `sort_key`), the filters' exact total, and whether
    more tasks follow the page."""

    rows: list[Row]
    total: int
    has_more: bool


def _unit(conn: psycopg.Connection[Row], current: Row, merged: Row) -> AbstractContextManager[Any]:
    """The optimistic write's own transaction, or none when the write is its UPDATE alone (the
    task stays in its list, parent and position, as open or done as it was, with its rule: no
    list to lock, no sibling to move, no subtree, no next occurrence) and no enclosing
    transaction is open: one statement is a transaction of its own, without the BEGIN and
    COMMIT round trips. Inside a batch's transaction the write keeps its savepoint."""
    alone = conn.info.transaction_status == TransactionStatus.IDLE
    if alone and stays(current, merged, merged["list_id"]):
        return nullcontext()
    return conn.transaction()


# the datetimes a new task is written with (TaskInput's timestamps: tests/test_far_future.py checks)
NEW_TASK_TIMES = ("due_date", "reminder_at")


class TaskStore:
    def __init__(self, db: Database, queries: Mapping[str, bytes], *, max_tasks: int) -> None:
        self._db = db
        self._max_tasks = max_tasks
        self._placer = Placer(queries)
        # looked up here so a missing file fails at start-up, not on a request
        self._create = queries["tasks/create"]
        self._get = queries["tasks/get"]
        self._get_for_update = queries["tasks/get_for_update"]
        self._update = queries["tasks/update"]
        self._delete_many = queries["tasks/delete_many"]
        self._complete_many = queries["tasks/complete_many"]
        self._create_next = queries["tasks/create_next"]
        self._link_next = queries["tasks/link_next"]
        self._copy_subtree = queries["tasks/copy_subtree"]

    def create(self, user_id: str, fields: Mapping[str, Any]) -> Row:
        """A new task from its writable fields: `create_many` of one."""
        return self.create_many(user_id, [fields])[0]

    def create_many(self, user_id: str, many: Sequence[Mapping[str, Any]]) -> list[Row]:
        """New tasks from their writable fields, in order, in one transaction: each checked as a
        whole first, then placed (its list, parent and position) in the writing transaction as if
        the ones before it were stored already, and all stored by one INSERT (more only when
        placing one needs the earlier ones in the table, e.g. in a group packed to the end)."""
        for fields in many:
            rules.check_task(fields)
        with self._db.connection() as conn, constraints_as_invalid(), conn.transaction():
            new = NewTasks(lambda rows: self._insert(conn, user_id, rows))
            for fields in many:
                merged = {**fields, "id": uuid7()}
                place = self._placer.place(conn, user_id, None, merged, fields, new=new)
                self._placer.apply(conn, user_id, place)
                new.add({**merged, **_placed(place)}, appended=merged["position"] is None)
            new.flush()
        return new.stored

    def _insert(self, conn: psycopg.Connection[Row], user_id: str, rows: list[Row]) -> list[Row]:
        # datetimes in UTC: PostgreSQL reads no offset beyond 15:59 (a due date sent at -23:59 is valid)
        # (only the datetime fields are looked at: converting each value that might be one cost ~2 µs a row)
        tasks = []
        for n, row in enumerate(rows, 1):
            task = {**row, "n": n}
            for name in NEW_TASK_TIMES:
                if (value := task.get(name)) is not None:
                    task[name] = value.astimezone(UTC)
            tasks.append(task)
        params = {"user_id": user_id, "tasks": Jsonb(tasks, dumps=orjson.dumps), "max_tasks": self._max_tasks}
        stored = {row["id"]: row for row in conn.execute(self._create, params).fetchall()}
        if len(stored) < len(rows):
            raise TaskLimitReached(self._max_tasks)
        return [stored[row["id"]] for row in rows]

    def get(self, user_id: str, task_id: UUID) -> Row:
        with self._db.connection() as conn:
            return self._read(conn, user_id, task_id)

    def _read(self, conn: psycopg.Connection[Row], user_id: str, task_id: UUID) -> Row:
        row = conn.execute(self._get, {"user_id": user_id, "id": task_id}).fetchone()
        if row is None:
            raise TaskNotFound()
        return row

    def _locked(self, conn: psycopg.Connection[Row], user_id: str, task_id: UUID) -> Row:
        """The task with its row locked (after its list's lock, as every writer takes them)."""
        row = conn.execute(self._get_for_update, {"user_id": user_id, "id": task_id}).fetchone()
        if row is None:
            raise TaskNotFound()
        return row

    def list(
        self,
        user_id: str,
        filters: ListFilter,
        sort: Sort,
        *,
        limit: int,
        offset: int = 0,
        after: After | None = None,
    ) -> ListPage:
        """A page of the user's tasks in `sort` order (after `after` when given) and the exact
        number of tasks the filters keep: one statement, each row carrying the total (a second
        one for the total only when the page is empty)."""
        params = listing.parameters(user_id, filters, limit=limit + 1, offset=offset, after=after)
        keyset = after is not None
        if ranked.applies(filters, sort):
            return self._ranked(user_id, filters, params, limit, keyset=keyset)
        shape = listing.shape_of(filters)
        if shape is None:
            page_sql: Any = listing.page_query(filters, sort, keyset=keyset, total=True)
            count_sql: Any = listing.count_query(filters, sort)
        else:
            page_sql, count_sql = listing.statements(shape, sort, keyset)
        prepare = listing.prepare(filters)
        with self._db.connection() as conn:
            rows = conn.execute(page_sql, params, prepare=prepare).fetchall()
            count = rows[0] if rows else conn.execute(count_sql, params, prepare=prepare).fetchone()
        assert count is not None
        return ListPage(rows[:limit], count["total"], has_more=len(rows) > limit)

    def _ranked(
        self, user_id: str, filters: ListFilter, params: dict, limit: int, *, keyset: bool
    ) -> ListPage:
        """A search page best first: the total first, which sizes the ranking (taskapi.store.ranked)."""
        everything = ListFilter()
        with self._db.connection() as conn:
            with conn.pipeline():
                total = conn.execute(
                    listing.count_query(filters, ranked.BEST), params, prepare=listing.prepare(filters)
                )
                tasks = conn.execute(listing.count_query(everything, ranked.BEST), {"user_id": user_id})
                count, owned = total.fetchone(), tasks.fetchone()
            assert count is not None and owned is not None
            rows = ranked.page(conn, filters, params, count["total"], owned["total"], keyset=keyset)
        return ListPage(rows[:limit], count["total"], has_more=len(rows) > limit)

    def update(
        self, user_id: str, task_id: UUID, change: Change, versions: Sequence[int] | None
    ) -> TaskChange:
        """The one way a task changes (PUT, PATCH, toggle, move): `change(current)` merged into
        the task, the merge checked as a whole, placed and stored; completing a task completes its
        subtree, moving it to another list moves its subtree, a completed occurrence rolls its
        series over (with a fresh copy of its subtree).

        The check may expand a recurrence rule (within its budget), so it runs on a row read
        without a lock or an open transaction; the write then locks the lists concerned and
        applies only if the task is still at the version the merge was made from, else it starts
        again. After OPTIMISTIC_ATTEMPTS the merge is made under the lists' locks, which every
        writer of their tasks takes first, so every write ends.
        """
        for _ in range(OPTIMISTIC_ATTEMPTS):
            current = self.get(user_id, task_id)
            fields = change(current)
            merged = _merged(current, fields, versions)
            with self._db.connection() as conn, constraints_as_invalid(), _unit(conn, current, merged):
                written = self._write(conn, user_id, current, merged, fields)
                if written is not None:
                    return written
        extra: set[UUID] = set()
        while True:
            seen = self.get(user_id, task_id)
            held = {seen["list_id"], *extra}
            try:
                with self._db.connection() as conn, constraints_as_invalid(), conn.transaction():
                    self._placer.lock_lists(conn, user_id, held)
                    current = self._locked(conn, user_id, task_id)
                    if current["list_id"] != seen["list_id"]:
                        continue  # it moved before the lock: lock its list now
                    fields = change(current)
                    merged = _merged(current, fields, versions)
                    written = self._write(conn, user_id, current, merged, fields, held)
                    assert written is not None  # its row is locked: its version cannot have moved
                    return written
            except NeedLocks as more:
                extra |= more.lists  # rolled back: start again holding those too, in id order

    def delete(self, user_id: str, task_id: UUID, versions: Sequence[int] | None) -> None:
        """Delete the task and its subtree in one transaction (a tombstone each)."""
        while True:
            seen = self.get(user_id, task_id)
            with self._db.connection() as conn, conn.transaction():
                self._placer.lock_lists(conn, user_id, [seen["list_id"]])
                current = self._locked(conn, user_id, task_id)
                if current["list_id"] != seen["list_id"]:
                    continue  # it moved before the lock: lock its list now
                _check_version(current, versions)
                below = self._placer.descendants(conn, user_id, task_id)
                ids = [task_id, *(t["id"] for t in below)]
                conn.execute(self._delete_many, {"user_id": user_id, "ids": ids})
                return

    def _write(
        self,
        conn: psycopg.Connection[Row],
        user_id: str,
        current: Row,
        merged: Mapping[str, Any],
        fields: Mapping[str, Any],
        held: set[UUID] | None = None,
    ) -> TaskChange | None:
        """Store `merged` if the task is still at `current`'s version (None if it moved on)."""
        place = self._placer.place(conn, user_id, current, dict(merged), fields, held)
        params = {**merged, **_placed(place), "user_id": user_id, "version": current["version"]}
        row = conn.execute(self._update, params).fetchone()
        if row is None:
            return None
        self._placer.apply(conn, user_id, place)
        becomes_completed = row["completed"] and not row.pop("was_completed")
        if becomes_completed:
            self._complete_subtree(conn, user_id, row, place.subtree)
        return TaskChange(row, self._roll_over(conn, user_id, row, becomes_completed, place.subtree))

    def _complete_subtree(
        self, conn: psycopg.Connection[Row], user_id: str, task: Row, subtree: Sequence[Row]
    ) -> None:
        """Its open subtasks, at every depth, completed with it (same completed_at)."""
        open_ids = [t["id"] for t in subtree if not t["completed"]]
        if open_ids:
            params = {"user_id": user_id, "ids": open_ids, "completed_at": task["completed_at"]}
            conn.execute(self._complete_many, params)

    def _roll_over(
        self,
        conn: psycopg.Connection[Row],
        user_id: str,
        task: Row,
        becomes_completed: bool,
        subtree: Sequence[Row],
    ) -> Row | None:
        """Create the series' next occurrence when this write completed a recurring task, directly
        after it, with a fresh open copy of its subtree.

        Runs in the write's transaction, with the task's list locked by it; `next_id` and the
        unique index on (user_id, previous_id) make sure an occurrence has one successor, ever.
        """
        if not (becomes_completed and task["recurrence_rule"] and task["next_id"] is None):
            return None
        try:
            due = recurrence.next_due(task, completed_at=task["completed_at"])
        except recurrence.RuleError as exc:
            # the whole write is refused (and rolled back): the series cannot go on as it stands
            raise Invalid({"recurrence_rule": [rules.rule_message(exc)]}) from None
        if due is None:
            return None
        placement = self._placer.after(conn, user_id, task["list_id"], task["parent_id"], task)
        params = {
            "user_id": user_id,
            "id": uuid7(),
            "previous_id": task["id"],
            "due_date": due,
            "reminder_at": recurrence.reminder_for(task, due),
            "position": placement.position,
        }
        successor = conn.execute(self._create_next, params).fetchone()
        if successor is None:
            return None
        self._placer.set_positions(conn, user_id, placement.moved)
        conn.execute(self._link_next, {"user_id": user_id, "id": task["id"], "next_id": successor["id"]})
        task["next_id"] = successor["id"]
        self._copy(conn, user_id, subtree, task["id"], successor["id"])
        return successor

    def _copy(
        self, conn: psycopg.Connection[Row], user_id: str, subtree: Sequence[Row], root: UUID, copy: UUID
    ) -> None:
        """Fresh open copies of `subtree` (shallowest first) under `copy`, the copy of `root`."""
        if not subtree:
            return
        new_ids = {root: copy}
        for task in subtree:
            new_ids[task["id"]] = uuid7()
        params = {
            "user_id": user_id,
            "sources": [t["id"] for t in subtree],
            "ids": [new_ids[t["id"]] for t in subtree],
            "parents": [new_ids[t["parent_id"]] for t in subtree],
        }
        conn.execute(self._copy_subtree, params)


def _placed(place: Place) -> dict[str, Any]:
    return {"list_id": place.list_id, "parent_id": place.parent_id, "position": place.position}


def _check_version(current: Row, versions: Sequence[int] | None) -> None:
    """If-Match: the write applies to one of `versions` only (None: to any)."""
    if versions is not None and current["version"] not in versions:
        raise VersionMismatch(current)


def _merged(current: Row, fields: Mapping[str, Any], versions: Sequence[int] | None) -> Row:
    _check_version(current, versions)
    merged = {**current, **fields}
    if "parent_id" in fields and "list_id" not in fields:
        merged["list_id"] = None  # a new parent without a list: the parent's list
    rules.check_task(merged, _series_start(current, merged))
    return merged


def _series_start(current: Row, merged: Mapping[str, Any]) -> Any:
    """Where the merged task's series will start (sql/tasks/update.sql decides the same)."""
    restarts = (
        current["series_start"] is None
        or current["occurrence"] == 1
        or merged["recurrence_rule"] != current["recurrence_rule"]
        or merged["timezone"] != current["timezone"]
    )
    return merged["due_date"] if restarts else current["series_start"]
