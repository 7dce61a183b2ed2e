"""TaskStore: the task aggregate's SQL, one unit of work per public method."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
from uuid_utils.compat import uuid7

from taskapi.db import Database
from taskapi.domain import recurrence
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
        self._replace = queries["tasks/replace"]
        self._toggle = queries["tasks/toggle"]
        self._delete = queries["tasks/delete"]
        self._create_next = queries["tasks/create_next"]
        self._link_next = queries["tasks/link_next"]

    def create(self, user_id: str, fields: Mapping[str, Any]) -> Row:
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

    def replace(
        self, user_id: str, task_id: UUID, fields: Mapping[str, Any], versions: Sequence[int] | None
    ) -> TaskChange:
        with self._db.connection() as conn, _constraints_as_invalid(), conn.transaction():
            row = conn.execute(
                self._replace, {**fields, "user_id": user_id, "id": task_id, "versions": versions}
            ).fetchone()
            if row is None:
                raise self._missing_or_stale(conn, user_id, task_id)
            return TaskChange(row, self._roll_over(conn, user_id, row))

    def patch(
        self, user_id: str, task_id: UUID, changes: Mapping[str, Any], versions: Sequence[int] | None
    ) -> TaskChange:
        """Merge `changes` into the task, check the result as a whole, store it.

        The check (a step-budgeted rule expansion) runs on a row read without a lock or an open
        transaction; the write then locks the row and stores the merge only if the version it
        was made from is still the task's; if the task moved on meanwhile, it starts again.
        """
        while True:
            with self._db.connection() as conn:
                current = conn.execute(self._get, {"user_id": user_id, "id": task_id}).fetchone()
            if current is None:
                raise TaskNotFound()
            if versions is not None and current["version"] not in versions:
                raise VersionMismatch(current)
            merged = {**current, **changes}
            _check_series(merged, _series_start(current, merged))
            with self._db.connection() as conn, _constraints_as_invalid(), conn.transaction():
                row = conn.execute(
                    self._replace,
                    {**merged, "user_id": user_id, "id": task_id, "versions": [current["version"]]},
                ).fetchone()
                if row is not None:
                    return TaskChange(row, self._roll_over(conn, user_id, row))
            # absent now, or changed since it was read: read it again (the answer follows from it)

    def toggle(self, user_id: str, task_id: UUID, versions: Sequence[int] | None) -> TaskChange:
        with self._db.connection() as conn, _constraints_as_invalid(), conn.transaction():
            row = conn.execute(
                self._toggle, {"user_id": user_id, "id": task_id, "versions": versions}
            ).fetchone()
            if row is None:
                raise self._missing_or_stale(conn, user_id, task_id)
            return TaskChange(row, self._roll_over(conn, user_id, row))

    def delete(self, user_id: str, task_id: UUID, versions: Sequence[int] | None) -> None:
        with self._db.connection() as conn:
            row = conn.execute(
                self._delete, {"user_id": user_id, "id": task_id, "versions": versions}
            ).fetchone()
            if row is None:
                raise self._missing_or_stale(conn, user_id, task_id)

    def _missing_or_stale(self, conn: psycopg.Connection[Row], user_id: str, task_id: UUID) -> Exception:
        """Why a conditional write touched no row: the task is absent, or its version moved on."""
        current = conn.execute(self._get, {"user_id": user_id, "id": task_id}).fetchone()
        return TaskNotFound() if current is None else VersionMismatch(current)

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
            raise _invalid_rule(exc) from None
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


def _check_series(task: Mapping[str, Any], start: Any = None) -> None:
    if task["recurrence_rule"] is None or task["due_date"] is None:
        return  # a rule without a due date is the database's check to refuse
    try:
        recurrence.check_series(task["recurrence_rule"], task["due_date"], task["timezone"], start)
    except recurrence.RuleError as exc:
        raise _invalid_rule(exc) from None


def _series_start(current: Row, merged: Mapping[str, Any]) -> Any:
    """Where the merged task's series will start (sql/tasks/replace.sql decides the same)."""
    restarts = (
        current["series_start"] is None
        or current["occurrence"] == 1
        or merged["recurrence_rule"] != current["recurrence_rule"]
        or merged["timezone"] != current["timezone"]
    )
    return merged["due_date"] if restarts else current["series_start"]


def _invalid_rule(exc: Exception) -> Invalid:
    return Invalid({"recurrence_rule": [_sentence(str(exc))]})


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


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + "."
