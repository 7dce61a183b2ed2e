"""TaskStore: the task aggregate's SQL, one unit of work per public method."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
from uuid_utils.compat import uuid7

from taskapi.db import Database
from taskapi.domain import recurrence, rules
from taskapi.domain.errors import Invalid
from taskapi.store import listing
from taskapi.store.errors import (
    TaskLimitReached,
    TaskNotFound,
    VersionMismatch,
    invalid_from_constraint,
)
from taskapi.store.listing import After, ListFilter, Sort

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


class TaskStore:
    def __init__(self, db: Database, queries: Mapping[str, bytes], *, max_tasks: int) -> None:
        self._db = db
        self._max_tasks = max_tasks
        # looked up here so a missing file fails at start-up, not on a request
        self._create = queries["tasks/create"]
        self._get = queries["tasks/get"]
        self._get_for_update = queries["tasks/get_for_update"]
        self._update = queries["tasks/update"]
        self._delete = queries["tasks/delete"]
        self._create_next = queries["tasks/create_next"]
        self._link_next = queries["tasks/link_next"]

    def create(self, user_id: str, fields: Mapping[str, Any]) -> Row:
        """A new task from its writable fields, checked as a whole first."""
        rules.check_task(fields)
        with self._db.connection() as conn, _constraints_as_invalid():
            params = {**fields, "user_id": user_id, "id": uuid7(), "max_tasks": self._max_tasks}
            row = conn.execute(self._create, params).fetchone()
        if row is None:
            raise TaskLimitReached(self._max_tasks)
        return row

    def get(self, user_id: str, task_id: UUID) -> Row:
        with self._db.connection() as conn:
            row = conn.execute(self._get, {"user_id": user_id, "id": task_id}).fetchone()
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
        number of tasks the filters keep: two statements in one pipeline, one round trip."""
        params = listing.parameters(user_id, filters, limit=limit + 1, offset=offset, after=after)
        page_sql = listing.page_query(filters, sort, keyset=after is not None)
        prepare = False if listing.plan_depends_on_values(filters) else None
        with self._db.connection() as conn, conn.pipeline():
            page = conn.execute(page_sql, params, prepare=prepare)
            total = conn.execute(listing.count_query(filters, sort), params, prepare=prepare)
            rows, count = page.fetchall(), total.fetchone()
        assert count is not None
        return ListPage(rows[:limit], count["total"], has_more=len(rows) > limit)

    def update(
        self, user_id: str, task_id: UUID, change: Change, versions: Sequence[int] | None
    ) -> TaskChange:
        """The one way a task changes (PUT, PATCH, toggle): `change(current)` merged into the
        task, the merge checked as a whole, stored; a completed occurrence rolls its series over.

        The check may expand a recurrence rule (within its budget), so it runs on a row read
        without a lock or an open transaction; the write then applies only if the task is still
        at the version the merge was made from, else it starts again. After OPTIMISTIC_ATTEMPTS
        the row is locked first and checked under the lock, so every write ends.
        """
        for _ in range(OPTIMISTIC_ATTEMPTS):
            current = self.get(user_id, task_id)
            merged = _merged(current, change, versions)
            with self._db.connection() as conn, _constraints_as_invalid(), conn.transaction():
                written = self._write(conn, user_id, current, merged)
                if written is not None:
                    return written
        with self._db.connection() as conn, _constraints_as_invalid(), conn.transaction():
            current = self._locked(conn, user_id, task_id)
            written = self._write(conn, user_id, current, _merged(current, change, versions))
            assert written is not None  # the row is locked: its version cannot have moved
            return written

    def delete(self, user_id: str, task_id: UUID, versions: Sequence[int] | None) -> None:
        with self._db.connection() as conn, conn.transaction():
            current = self._locked(conn, user_id, task_id)
            _check_version(current, versions)
            conn.execute(self._delete, {"user_id": user_id, "id": task_id, "version": current["version"]})

    def _locked(self, conn: psycopg.Connection[Row], user_id: str, task_id: UUID) -> Row:
        row = conn.execute(self._get_for_update, {"user_id": user_id, "id": task_id}).fetchone()
        if row is None:
            raise TaskNotFound()
        return row

    def _write(
        self, conn: psycopg.Connection[Row], user_id: str, current: Row, merged: Mapping[str, Any]
    ) -> TaskChange | None:
        """Store `merged` if the task is still at `current`'s version (None if it moved on)."""
        params = {**merged, "user_id": user_id, "version": current["version"]}
        row = conn.execute(self._update, params).fetchone()
        return None if row is None else TaskChange(row, self._roll_over(conn, user_id, row))

    def _roll_over(self, conn: psycopg.Connection[Row], user_id: str, task: Row) -> Row | None:
        """Create the series' next occurrence when this write completed a recurring task.

        Runs in the write's transaction, with the task's row locked by it; `next_id` and the
        unique index on (user_id, previous_id) make sure an occurrence has one successor, ever.
        """
        becomes_completed = task["completed"] and not task.pop("was_completed")
        if not (becomes_completed and task["recurrence_rule"] and task["next_id"] is None):
            return None
        try:
            due = recurrence.next_due(task, completed_at=task["completed_at"])
        except recurrence.RuleError as exc:
            # the whole write is refused (and rolled back): the series cannot go on as it stands
            raise Invalid({"recurrence_rule": [rules.rule_message(exc)]}) from None
        if due is None:
            return None
        params = {
            "user_id": user_id,
            "id": uuid7(),
            "previous_id": task["id"],
            "due_date": due,
            "reminder_at": recurrence.reminder_for(task, due),
        }
        successor = conn.execute(self._create_next, params).fetchone()
        if successor is None:
            return None
        conn.execute(self._link_next, {"user_id": user_id, "id": task["id"], "next_id": successor["id"]})
        task["next_id"] = successor["id"]
        return successor


def _check_version(current: Row, versions: Sequence[int] | None) -> None:
    """If-Match: the write applies to one of `versions` only (None: to any)."""
    if versions is not None and current["version"] not in versions:
        raise VersionMismatch(current)


def _merged(current: Row, change: Change, versions: Sequence[int] | None) -> Row:
    _check_version(current, versions)
    merged = {**current, **change(current)}
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


@contextmanager
def _constraints_as_invalid() -> Iterator[None]:
    """A CHECK constraint the input broke becomes Invalid naming the field."""
    try:
        yield
    except psycopg.errors.CheckViolation as exc:
        invalid = invalid_from_constraint(exc.diag.constraint_name)
        if invalid is None:
            raise
        raise invalid from None
