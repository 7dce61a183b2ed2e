"""The listing's SQL: a filtered, sorted page and its exact total, composed from fixed fragments.

Nothing from a request becomes SQL text: the sort picks one of the fragments below, a filter
adds its fragment only when given (no `(%(x)s IS NULL OR ...)`, whose generic plan cannot use
an index), and every value is a parameter. Each fragment matches an index of migration 0002
(the search: taskapi.store.search and migration 0005).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from psycopg import sql

from taskapi.domain.search import parse
from taskapi.store import search

# Due dates sort on these instead of NULL (same expressions as the 0002 indexes), so tasks
# without one come last in both directions and a keyset cursor is one row comparison.
_DUE_ASC = sql.SQL("coalesce(due_date, '9999-12-31 00:00:00+00'::timestamptz)")
_DUE_DESC = sql.SQL("coalesce(due_date, '0001-01-01 00:00:00+00'::timestamptz)")
# the widest range strictly between the two sentinels: an open end of a due-date range
DUE_MIN = datetime(1, 1, 1, 0, 0, 0, 1, tzinfo=UTC)
DUE_MAX = datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC)
NIL_ID = UUID(int=0)

_COLUMN_KEYS: dict[str, sql.Composable] = {
    "created_at": sql.SQL("created_at"),
    "updated_at": sql.SQL("updated_at"),
    "due_date": _DUE_ASC,  # _DUE_DESC when descending
    "title": sql.SQL("lower(title)"),
    "priority": sql.SQL("priority_rank"),
    "position": sql.SQL("position"),
}
TASKS = sql.SQL("tasks")  # what a page reads, unless told otherwise
SORT_KEYS = (*_COLUMN_KEYS, "relevance")  # relevance: the search's own (taskapi.store.search)
# What a page returns: the columns a task shows to clients, no more. The rest only the database
# or the write path reads (sync stamps, lower-cased tags, the ~1 KB search document, the series'
# bookkeeping): loading them into Python for 51 rows cost more than the rest of the page.
INTERNAL_COLUMNS = (
    "tags_lower", "change_xid", "change_seq", "search_terms",
    "priority_rank", "series_start", "occurrence", "previous_id", "next_id",
)  # fmt: skip
# In the order the API shows a task's fields, with is_recurring derived in its place: a page's row
# is the task's JSON object already, plus its sort_key (and total), so the response builds no
# second dict per row (taskapi.schemas.tasks.listed_task_json).
PAGE_COLUMNS = (
    "id", "user_id", "title", "description", "completed", "completed_at", "priority",
    "tags", "due_date", "reminder_at", "timezone", "recurrence_rule", "recurrence_anchor",
    "list_id", "parent_id", "position", "version", "created_at", "updated_at",
)  # fmt: skip
_RECURRING_AT = PAGE_COLUMNS.index("recurrence_anchor") + 1  # where the API shows is_recurring
_SHOWN = sql.SQL(", ").join(
    [
        *map(sql.Identifier, PAGE_COLUMNS[:_RECURRING_AT]),
        sql.SQL("recurrence_rule IS NOT NULL AS is_recurring"),
        *map(sql.Identifier, PAGE_COLUMNS[_RECURRING_AT:]),
    ]
)
# the type a cursor's key must have for each sort (checked before it reaches SQL)
SORT_KEY_TYPES: dict[str, type] = {
    "created_at": datetime,
    "updated_at": datetime,
    "due_date": datetime,
    "title": str,
    "priority": int,
    "position": int,
    "relevance": float,
}
# relevance is a real: its key goes back as a real (as a double it would not equal itself)
_CASTS = {datetime: "timestamptz", str: "text", int: "integer", float: "real"}
_DIRECTIONS = {False: (sql.SQL("ASC"), sql.SQL(">")), True: (sql.SQL("DESC"), sql.SQL("<"))}


@dataclass(frozen=True)
class ListFilter:
    """What a listing keeps: every given condition must hold (None / empty: not filtered)."""

    q: str | None = None
    completed: bool | None = None
    priority: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    due_from: datetime | None = None
    due_to: datetime | None = None
    list_id: UUID | None = None
    parent_id: UUID | str | None = None  # "none": top-level tasks only


@dataclass(frozen=True)
class Sort:
    by: str  # a key of SORT_KEYS
    descending: bool


@dataclass(frozen=True)
class After:
    """A keyset position: the page starts after the task with this sort key and id."""

    key: Any
    id: UUID


def plan_depends_on_values(filters: ListFilter) -> bool:
    """Whether the best plan depends on the values: how common a tag is, how wide a date range,
    how big a list or a subtree. Such statements are never prepared (each gets a plan for its
    values); a generic plan would guess one selectivity for all of them (see
    tests/test_listing_plans.py). A search's words are not among them: its tsquery is built when
    the statement runs (taskapi.store.search), so no plan ever sees them, and a search is
    planned once for all its words."""
    return (
        filters.list_id is not None
        or filters.parent_id is not None
        or bool(filters.tags)
        or filters.due_from is not None
        or filters.due_to is not None
    )


def prepare(filters: ListFilter) -> bool | None:
    """psycopg's `prepare` for the statements of these filters: never, or its default (prepared
    once a statement has run a few times on a connection)."""
    return False if plan_depends_on_values(filters) else None


def sort_key(sort: Sort, filters: ListFilter) -> sql.Composable:
    if sort.by == "relevance":
        return search.relevance(parse(filters.q or ""))
    return _DUE_DESC if sort.by == "due_date" and sort.descending else _COLUMN_KEYS[sort.by]


def _conditions(filters: ListFilter, sort: Sort) -> sql.Composable:
    parts: list[sql.Composable] = [sql.SQL("user_id = %(user_id)s")]
    if filters.q is not None:
        parts.append(search.condition(parse(filters.q)))
    if filters.completed is not None:
        parts.append(sql.SQL("completed = %(completed)s"))
    if filters.priority:
        parts.append(sql.SQL("priority = ANY (%(priority)s::text[])"))
    if filters.tags:
        parts.append(sql.SQL("tags_lower @> taskapi_lower_tags(%(tags)s::text[])"))
    if filters.due_from is not None or filters.due_to is not None:
        # stated on the due-date sort key (NULL excluded by the bounds), so one index serves
        # the range, the order and the count
        due = _DUE_DESC if sort.by == "due_date" and sort.descending else _DUE_ASC
        parts.append(sql.SQL("{} BETWEEN %(due_from)s::timestamptz AND %(due_to)s::timestamptz").format(due))
    if filters.list_id is not None:
        parts.append(sql.SQL("list_id = %(list_id)s"))
    if filters.parent_id == "none":
        parts.append(sql.SQL("parent_id IS NULL"))
    elif filters.parent_id is not None:
        parts.append(sql.SQL("parent_id = %(parent_id)s"))
    return sql.SQL(" AND ").join(parts)


def parameters(user_id: str, filters: ListFilter, *, limit: int, offset: int, after: After | None) -> dict:
    return {
        "user_id": user_id,
        **(search.parameters(parse(filters.q)) if filters.q is not None else {}),
        "completed": filters.completed,
        "priority": list(filters.priority),
        "tags": list(filters.tags),
        "due_from": filters.due_from or DUE_MIN,
        "due_to": filters.due_to or DUE_MAX,
        "list_id": filters.list_id,
        "parent_id": None if filters.parent_id == "none" else filters.parent_id,
        "limit": limit,
        "offset": offset,
        "after_key": after.key if after else None,
        "after_id": after.id if after else None,
    }


def page_query(
    filters: ListFilter,
    sort: Sort,
    *,
    keyset: bool,
    total: bool = False,
    source: sql.Composable = TASKS,
    extra: sql.Composable | None = None,
) -> sql.Composed:
    """One page (LIMIT %(limit)s OFFSET %(offset)s), each row with its `sort_key`; with `keyset`,
    only the tasks after (%(after_key)s, %(after_id)s) in the sort order; with `total`, each row
    also carries count_query's total (an uncorrelated subquery: run once, in the same statement).
    `source` (rows named tasks) and `extra` (one more condition) serve the ranked search
    (taskapi.store.ranked)."""
    key = sort_key(sort, filters)
    direction, after_op = _DIRECTIONS[sort.descending]
    where = _conditions(filters, sort)
    if extra is not None:
        where = sql.SQL("{} AND {}").format(where, extra)
    if keyset:
        cast = sql.SQL(_CASTS[SORT_KEY_TYPES[sort.by]])
        where = sql.SQL("{} AND ({}, id) {} (%(after_key)s::{}, %(after_id)s::uuid)").format(
            where, key, after_op, cast
        )
    columns: sql.Composable = _SHOWN
    if total:
        columns = sql.SQL("{}, ({}) AS total").format(columns, count_query(filters, sort))
    return sql.SQL(
        "SELECT {columns}, {key} AS sort_key FROM {source} WHERE {where} "
        "ORDER BY {key} {direction}, id {direction} LIMIT %(limit)s OFFSET %(offset)s"
    ).format(
        columns=columns,
        key=key,
        source=source,
        where=where,
        direction=direction,
    )


@functools.lru_cache(maxsize=1024)
def statements(shape: ListFilter, sort: Sort, keyset: bool) -> tuple[bytes, bytes]:
    """The page with its total, and the total alone, as text: composed once per shape (which
    filters are present, the sort, a cursor or not; `shape_of`), not on every request."""
    return (
        page_query(shape, sort, keyset=keyset, total=True).as_bytes(None),
        count_query(shape, sort).as_bytes(None),
    )


def shape_of(filters: ListFilter) -> ListFilter | None:
    """What the statement text depends on: which filters are present (their values are
    parameters). None for a search, whose text follows the words of `q`."""
    if filters.q is not None:
        return None
    return ListFilter(
        completed=None if filters.completed is None else True,
        priority=("",) if filters.priority else (),
        tags=("",) if filters.tags else (),
        due_from=filters.due_from and DUE_MIN,
        due_to=filters.due_to and DUE_MAX,
        list_id=filters.list_id and NIL_ID,
        parent_id=filters.parent_id if filters.parent_id in (None, "none") else NIL_ID,
    )


def count_query(filters: ListFilter, sort: Sort) -> sql.Composed:
    """The exact number of tasks the filters keep: from the counters (the view task_totals,
    migrations 0002 and 0008, kept by triggers) when only status and priority filter, else counted
    from the index."""
    if filters.q is not None or plan_depends_on_values(filters):
        return sql.SQL("SELECT count(*) AS total FROM tasks WHERE {}").format(_conditions(filters, sort))
    parts: list[sql.Composable] = [sql.SQL("user_id = %(user_id)s")]
    if filters.completed is not None:
        parts.append(sql.SQL("completed = %(completed)s"))
    if filters.priority:
        parts.append(sql.SQL("priority = ANY (%(priority)s::text[])"))
    return sql.SQL("SELECT coalesce(sum(n), 0)::bigint AS total FROM task_totals WHERE {}").format(
        sql.SQL(" AND ").join(parts)
    )
