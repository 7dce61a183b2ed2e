"""GET /api/v1/tasks: filters, sorting, offset and cursor pages, every bad parameter (search: test_search)."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import orjson
import pglast
import psycopg
import pytest
from pglast import ast

from taskapi.schemas.tasks import TASK_FIELDS
from taskapi.store import ListFilter, Sort
from taskapi.store import listing as shapes
from tests.conftest import Api
from tests.postgres import Database


def listing(api: Api, **params: Any) -> dict[str, Any]:
    result = api.request("GET", "/api/v1/tasks", query_string=urlencode(params))
    assert result.status_code == 200, result.text
    return result.json


def titles(api: Api, **params: Any) -> list[str]:
    return [task["title"] for task in listing(api, **params)["items"]]


def problem(api: Api, **params: Any) -> dict[str, Any]:
    result = api.request("GET", "/api/v1/tasks", query_string=urlencode(params))
    assert result.status_code == 400, result.text
    assert result.headers["content-type"] == "application/problem+json"
    return result.json


def walk_with_cursor(api: Api, first: dict[str, Any] | None = None, **params: Any) -> list[str]:
    """Every title from `first` (default: the first page) on, following next_cursor."""
    seen: list[str] = []
    page = first or listing(api, **params)
    for _ in range(100):  # a cursor that goes round in circles fails, not hangs
        seen += [task["title"] for task in page["items"]]
        if page["next_cursor"] is None:
            return seen
        page = listing(api, **params, cursor=page["next_cursor"])
    raise AssertionError(f"still not at the end after 100 pages: {seen[:20]}...")


def test_default_listing_is_newest_first_with_an_exact_total(alice: Api, bob: Api) -> None:
    for n in range(3):
        alice.create(title=f"task {n}")
    bob.create(title="bob's")

    body = listing(alice)

    assert [t["title"] for t in body["items"]] == ["task 2", "task 1", "task 0"]
    assert body["total"] == 3
    assert (body["limit"], body["offset"], body["next_cursor"]) == (50, 0, None)


@pytest.mark.parametrize(
    ("params", "listed"),
    [({}, 3), ({"sort_by": "title"}, 3), ({"q": "shared"}, 3), ({"completed": "true"}, 2)],
)
def test_a_listed_task_is_byte_for_byte_what_reading_it_returns(
    alice: Api, params: dict[str, Any], listed: int
) -> None:
    parent = alice.create(title="shared parent", tags=["Work", "home"], priority="high")
    alice.create(title="shared child", parent_id=parent["id"], description="with text")
    alice.create(
        title="shared series",
        due_date="2030-01-06T09:30:00+02:00",
        reminder_at="2030-01-06T07:00:00Z",
        timezone="Europe/Berlin",
        recurrence_rule="FREQ=WEEKLY;BYDAY=MO",
    )
    assert alice.request("POST", f"/api/v1/tasks/{parent['id']}/toggle").status_code == 200

    items = listing(alice, **params)["items"]

    assert len(items) == listed  # completing the parent completed its subtask too
    for item in items:
        read = alice.request("GET", f"/api/v1/tasks/{item['id']}")
        assert orjson.dumps(item) == read.content  # the same keys, in the same order, same values


def test_filters_combine_and_total_counts_the_filtered_set(alice: Api) -> None:
    alice.create(title="open high work", priority="high", tags=["Work", "Home"])
    alice.create(title="done high work", priority="high", tags=["work", "home"], completed=True)
    alice.create(title="open low work", priority="low", tags=["work"])
    alice.create(title="open medium home", priority="medium", tags=["HOME", "work"])

    body = listing(alice, completed="false", priority="high,MEDIUM", tags="work,home")

    assert sorted(t["title"] for t in body["items"]) == ["open high work", "open medium home"]
    assert body["total"] == 2
    assert titles(alice, tags="WORK", completed="true") == ["done high work"]
    assert titles(alice, priority="low") == ["open low work"]


def test_due_date_range_is_inclusive_and_leaves_out_tasks_without_one(alice: Api) -> None:
    alice.create(title="before", due_date="2026-01-01T08:59:59+00:00")
    alice.create(title="start", due_date="2026-01-01T09:00:00+00:00")
    alice.create(title="end", due_date="2026-01-31T09:00:00Z")
    alice.create(title="after", due_date="2026-01-31T09:00:01+00:00")
    alice.create(title="no due date")

    inside = titles(alice, due_date_from="2026-01-01T10:00:00+01:00", due_date_to="2026-01-31T09:00:00Z")
    from_only = titles(alice, due_date_from="2026-01-31T09:00:00+00:00", sort_by="due_date")
    to_only = titles(alice, due_date_to="2026-01-01T09:00:00+00:00", sort_by="due_date", sort_order="desc")

    assert sorted(inside) == ["end", "start"]
    assert from_only == ["end", "after"]
    assert to_only == ["start", "before"]


def test_an_unencoded_plus_in_a_timestamp_still_reads_as_the_offset(alice: Api) -> None:
    alice.create(title="due", due_date="2026-01-01T09:00:00+00:00")
    raw = "due_date_from=2026-01-01T09:00:00+00:00"  # '+' arrives as a space

    result = alice.request("GET", "/api/v1/tasks", query_string=raw)

    assert [t["title"] for t in result.json["items"]] == ["due"]


def test_search_understands_quotes_minus_and_or(alice: Api) -> None:
    alice.create(title="quarterly report draft")
    alice.create(title="report quarterly numbers")
    alice.create(title="annual budget")

    assert titles(alice, q='"quarterly report"') == ["quarterly report draft"]
    assert titles(alice, q="report -draft") == ["report quarterly numbers"]
    assert sorted(titles(alice, q="budget or draft")) == ["annual budget", "quarterly report draft"]


def test_a_blank_search_lists_everything(alice: Api) -> None:
    alice.create(title="something")

    assert titles(alice, q="   ") == ["something"]


def test_priority_sorts_by_rank_high_first_by_default(alice: Api) -> None:
    for priority in ("low", "high", "medium"):
        alice.create(title=priority, priority=priority)

    assert titles(alice, sort_by="priority") == ["high", "medium", "low"]
    assert titles(alice, sort_by="priority", sort_order="asc") == ["low", "medium", "high"]


def test_tasks_without_a_due_date_come_last_in_both_directions(alice: Api) -> None:
    alice.create(title="none")
    alice.create(title="late", due_date="2026-05-01T00:00:00Z")
    alice.create(title="early", due_date="2026-01-01T00:00:00Z")

    assert titles(alice, sort_by="due_date") == ["early", "late", "none"]
    assert titles(alice, sort_by="due_date", sort_order="desc") == ["late", "early", "none"]


def test_title_sorts_ignore_case(alice: Api) -> None:
    for title in ("banana", "Apple", "cherry"):
        alice.create(title=title)

    assert titles(alice, sort_by="title") == ["Apple", "banana", "cherry"]
    assert titles(alice, sort_by="title", sort_order="desc") == ["cherry", "banana", "Apple"]


def test_offset_pages_over_equal_sort_keys_never_overlap_or_skip(alice: Api) -> None:
    created = {alice.create(title=f"t{n}", position=7)["title"] for n in range(9)}

    pages = [titles(alice, sort_by="position", limit=4, offset=offset) for offset in (0, 4, 8)]

    assert [len(page) for page in pages] == [4, 4, 1]
    assert {title for page in pages for title in page} == created


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"sort_by": "due_date"},
        {"sort_by": "due_date", "sort_order": "desc"},
        {"sort_by": "title", "sort_order": "desc"},
        {"sort_by": "priority", "sort_order": "asc"},
        {"sort_by": "position"},
        {"sort_by": "updated_at", "sort_order": "asc"},
        {"q": "task"},
        {"q": "task", "sort_order": "asc"},
        {"tags": "even", "completed": "false"},
    ],
)
def test_cursor_pages_walk_the_same_order_as_one_big_page(alice: Api, params: dict[str, Any]) -> None:
    for n in range(11):
        alice.create(
            title=f"task {n}" + " task" * (n % 3),
            priority=("low", "medium", "high")[n % 3],
            position=n % 2,
            tags=["even"] if n % 2 == 0 else [],
            due_date=f"2026-0{1 + n % 4}-01T00:00:00Z" if n % 5 else None,
        )
    everything = titles(alice, **params, limit=100)

    assert walk_with_cursor(alice, **params, limit=3) == everything
    assert len(everything) == listing(alice, **params)["total"]


def test_tasks_added_while_paging_by_cursor_neither_repeat_nor_shift_the_pages(alice: Api) -> None:
    for n in range(6):
        alice.create(title=f"old {n}")
    first = listing(alice, limit=2)
    for n in range(3):
        alice.create(title=f"new {n}")

    walked = walk_with_cursor(alice, first, limit=2)

    assert walked == [f"old {n}" for n in range(5, -1, -1)]


def test_cursor_with_an_offset_skips_that_many_more(alice: Api) -> None:
    for n in range(6):
        alice.create(title=f"t{n}")
    first = listing(alice, limit=2)

    body = listing(alice, limit=2, offset=1, cursor=first["next_cursor"])

    assert [t["title"] for t in body["items"]] == ["t2", "t1"]
    assert body["offset"] == 1


def tampered(cursor: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw[5] ^= 1
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


def test_a_cursor_only_works_for_its_own_listing_and_user(alice: Api, bob: Api) -> None:
    for n in range(3):
        alice.create(title=f"t{n}", tags=["x"])
    cursor = listing(alice, limit=1, tags="x")["next_cursor"]

    for api, params in [
        (alice, {"tags": "x", "cursor": tampered(cursor)}),
        (alice, {"tags": "x", "cursor": "garbage!!"}),
        (alice, {"tags": "x", "cursor": "AAAA"}),
        (alice, {"cursor": cursor}),
        (alice, {"tags": "x", "sort_by": "title", "cursor": cursor}),
        (alice, {"tags": "x", "sort_order": "asc", "cursor": cursor}),
        (bob, {"tags": "x", "cursor": cursor}),
    ]:
        assert list(problem(api, **params)["errors"]) == ["cursor"]
    assert titles(alice, tags="X", cursor=cursor) == ["t1", "t0"]  # same tags, other case


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"colour": "red"}, "colour"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"sort_by": "user_id"}, "sort_by"),
        ({"sort_by": "title; DROP TABLE tasks"}, "sort_by"),
        ({"sort_by": "relevance"}, "sort_by"),
        ({"sort_order": "up"}, "sort_order"),
        ({"completed": "yes"}, "completed"),
        ({"priority": "urgent"}, "priority"),
        ({"priority": "high,"}, "priority"),
        ({"tags": ","}, "tags"),
        ({"tags": ",".join(f"t{n}" for n in range(21))}, "tags"),
        ({"tags": "x" * 51}, "tags"),
        ({"due_date_from": "2026-01-01"}, "due_date_from"),
        ({"due_date_to": "2026-01-01T00:00:00"}, "due_date_to"),
        ({"due_date_from": "2026-02-01T00:00:00Z", "due_date_to": "2026-01-01T00:00:00Z"}, "due_date_to"),
        ({"q": "x" * 501}, "q"),
        ({"q": "nul\x00byte"}, "q"),
        ({"cursor": "x" * 501}, "cursor"),
    ],
)
def test_a_bad_parameter_is_400_naming_it(alice: Api, params: dict[str, Any], named: str) -> None:
    body = problem(alice, **params)

    assert list(body["errors"]) == [named]
    assert body["status"] == 400


def test_a_repeated_single_valued_parameter_is_400(alice: Api) -> None:
    result = alice.request("GET", "/api/v1/tasks", query_string="limit=1&limit=2")

    assert result.status_code == 400
    assert list(result.json["errors"]) == ["limit"]


def user_scoped(statement: str) -> bool:
    """Whether the statement's WHERE is `user_id = $n` AND'ed with anything else."""
    names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", statement)))
    text = re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m.group(1)) + 1}", statement)
    where = pglast.parse_sql(text)[0].stmt.whereClause
    conjuncts = where.args if isinstance(where, ast.BoolExpr) and where.boolop == 0 else [where]
    return any(
        isinstance(c, ast.A_Expr)
        and c.name[0].sval == "="
        and isinstance(c.lexpr, ast.ColumnRef)
        and c.lexpr.fields[-1].sval == "user_id"
        and isinstance(c.rexpr, ast.ParamRef)
        and names[c.rexpr.number - 1] == "user_id"
        for c in conjuncts
    )


def test_every_listing_statement_is_scoped_to_the_user() -> None:
    every = ListFilter(
        q="x", completed=True, priority=("low",), tags=("a",), due_from=datetime.now(UTC), due_to=None
    )
    statements = [
        query.as_string(None)
        for filters in (ListFilter(), every)
        for by in shapes.SORT_KEYS
        for descending in (False, True)
        for query in (
            shapes.page_query(filters, Sort(by, descending), keyset=False),
            shapes.page_query(filters, Sort(by, descending), keyset=True),
            shapes.count_query(filters, Sort(by, descending)),
        )
    ]

    assert all(user_scoped(statement) for statement in statements)
    assert not user_scoped("SELECT * FROM tasks WHERE completed = %(completed)s OR user_id = %(user_id)s")


def test_totals_stay_exact_through_every_kind_of_change(alice: Api, bob: Api) -> None:
    first = alice.create(title="first", priority="high")
    second = alice.create(title="second")
    third = alice.create(title="third", priority="low", completed=True)
    alice.create(title="daily", due_date="2026-01-01T09:00:00Z", recurrence_rule="FREQ=DAILY")
    bob.create(title="bob's")
    daily = listing(alice, q="daily")["items"][0]
    alice.request("POST", f"/api/v1/tasks/{daily['id']}/toggle")  # completes it and creates the next
    alice.request("POST", f"/api/v1/tasks/{first['id']}/toggle")
    alice.request("PATCH", f"/api/v1/tasks/{second['id']}", json={"priority": "high"})
    alice.request("PUT", f"/api/v1/tasks/{third['id']}", json={"title": "third again"})
    alice.request("DELETE", f"/api/v1/tasks/{first['id']}")

    everything = listing(alice, limit=100)["items"]
    for params in (
        {},
        {"completed": "true"},
        {"completed": "false"},
        {"priority": "high"},
        {"priority": "medium,low"},
    ):
        expected = [
            t
            for t in everything
            if params.get("completed", str(t["completed"]).lower()) == str(t["completed"]).lower()
            and t["priority"] in params.get("priority", t["priority"])
        ]
        assert listing(alice, **params)["total"] == len(expected), params
    assert len(everything) == 4


def test_a_page_returns_every_column_of_tasks_but_the_internal_ones(database: Database) -> None:
    with psycopg.connect(database.url) as conn:
        columns = [
            name
            for (name,) in conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = 'tasks'::regclass"
                " AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
            )
        ]

    # a new column of tasks goes into PAGE_COLUMNS (or INTERNAL_COLUMNS if no client sees it)
    assert sorted(shapes.PAGE_COLUMNS + shapes.INTERNAL_COLUMNS) == sorted(columns)
    # a page carries exactly what a task shows (is_recurring is derived from recurrence_rule)
    assert set(shapes.PAGE_COLUMNS) == set(TASK_FIELDS) - {"is_recurring"}
