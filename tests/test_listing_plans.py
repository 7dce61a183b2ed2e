"""The listing's query plans on a realistic volume: an index serves every shape, prepared or not.

One heavy user holds 50,000 tasks among 100,000 of other users (taskapi.devtools.seed, server-side). For
every query shape the listing can produce, EXPLAIN must show no sequential scan of tasks and
no sort of the user's whole set; shapes that psycopg prepares are also checked under the
generic plan a prepared statement may switch to (plan_cache_mode = force_generic_plan).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg import ClientCursor, sql

from taskapi.config import Config
from taskapi.db import Database as Pool
from taskapi.db import load_queries, migrations
from taskapi.devtools import seed
from taskapi.domain.search import parse
from taskapi.store import After, ListFilter, Sort, TaskStore, ranked, search
from taskapi.store import listing as shapes
from tests.postgres import Database, scratch_database

HEAVY_TASKS = 50_000


@pytest.fixture(scope="module")
def heavy_user(database: Database) -> str:
    return seed.seed(database.url, users=100, tasks=1000, heavy=HEAVY_TASKS)


@pytest.fixture(scope="module")
def conn(database: Database) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(database.url, autocommit=True, cursor_factory=ClientCursor) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        yield conn


# values as a real client would send them, against the seed's vocabulary
VALUES = ListFilter(
    q="report",
    completed=False,
    priority=("high",),
    tags=("Work",),
    due_from=datetime(2026, 1, 1, tzinfo=UTC),
    due_to=datetime(2026, 12, 31, tzinfo=UTC),
)
# a cursor key from the middle of each sort's range
MIDDLE = datetime.now(UTC).replace(microsecond=0)
KEYS = {
    "created_at": MIDDLE,
    "updated_at": MIDDLE,
    "due_date": MIDDLE,
    "title": "m",
    "priority": 2,
    "position": HEAVY_TASKS // 2,
    "relevance": 0.3,
}
NEWEST = Sort("created_at", descending=True)
FILTERS = ("q", "completed", "priority", "tags", "due_from")


def every_shape() -> Iterator[tuple[ListFilter, Sort, bool]]:
    """Each combination of filters present, sort, direction and first page / cursor page."""
    for present in itertools.product((False, True), repeat=len(FILTERS)):
        chosen = {name: getattr(VALUES, name) for name, on in zip(FILTERS, present, strict=True) if on}
        if "due_from" in chosen:
            chosen["due_to"] = VALUES.due_to
        filters = ListFilter(**chosen)
        for by in shapes.SORT_KEYS:
            if by == "relevance" and filters.q is None:
                continue
            for descending, keyset in itertools.product((False, True), repeat=2):
                yield filters, Sort(by, descending), keyset


def plan(conn: psycopg.Connection[Any], query: sql.Composed, params: dict, *, generic: bool) -> dict:
    text = query.as_string(conn)
    if not generic:
        return conn.execute(f"EXPLAIN (FORMAT JSON) {text}", params).fetchone()[0][0]["Plan"]
    # what psycopg sends once it prepares a statement: %(name)s -> $n in order of appearance
    names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", text)))
    prepared = re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m.group(1)) + 1}", text)
    conn.execute("SET plan_cache_mode = force_generic_plan")
    conn.execute(f"PREPARE listing AS {prepared}")
    try:
        arguments = ", ".join(f"%({name})s" for name in names)
        return conn.execute(f"EXPLAIN (FORMAT JSON) EXECUTE listing({arguments})", params).fetchone()[0][0][
            "Plan"
        ]
    finally:
        conn.execute("DEALLOCATE listing")
        conn.execute("RESET plan_cache_mode")


def nodes(node: dict) -> Iterator[dict]:
    yield node
    for child in node.get("Plans", []):
        yield from nodes(child)


def narrows(scan: dict) -> bool:
    """Whether a scan reads a subset of the user's tasks: an index condition beyond user_id
    (a keyset's ROW(...) comparison does not count: near the top it is the whole set)."""
    condition = scan.get("Index Cond", "") + scan.get("Recheck Cond", "")
    parts = [p for p in re.split(r"\) AND \(", condition.strip("()")) if p]
    return any("user_id" not in part and not part.startswith("ROW(") for part in parts)


def problems(tree: dict) -> list[str]:
    found = []
    for node in nodes(tree):
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") == "tasks":
            found.append("sequential scan of tasks")
        if node["Node Type"] in ("Sort", "Incremental Sort"):
            scans = [n for n in nodes(node) if n.get("Relation Name") == "tasks" or "Index Name" in n]
            if not any(narrows(scan) for scan in scans):
                found.append(f"sort of the user's whole set by {node.get('Sort Key')}")
    return found


def params_for(user_id: str, filters: ListFilter, sort: Sort, keyset: bool, offset: int = 0) -> dict:
    after = After(KEYS[sort.by], UUID(int=2**127)) if keyset else None
    return shapes.parameters(user_id, filters, limit=51, offset=offset, after=after)


def test_every_listing_shape_is_served_by_an_index(conn: psycopg.Connection[Any], heavy_user: str) -> None:
    failures = []
    checked = 0
    for filters, sort, keyset in every_shape():
        params = params_for(heavy_user, filters, sort, keyset)
        queries = [shapes.page_query(filters, sort, keyset=keyset), shapes.count_query(filters, sort)]
        # prepared shapes may run on a generic plan; the others are always planned for their values
        modes = (False,) if shapes.plan_depends_on_values(filters) else (False, True)
        for (kind, query), generic in itertools.product(zip(("page", "count"), queries, strict=True), modes):
            checked += 1
            for found in problems(plan(conn, query, params, generic=generic)):
                failures.append(f"{kind}: {found}: {filters} {sort} keyset={keyset} generic={generic}")
    assert checked > 1500
    assert not failures, "\n".join(failures[:20])


def test_status_and_priority_totals_read_the_counters_not_the_tasks(
    conn: psycopg.Connection[Any], heavy_user: str
) -> None:
    for filters in (ListFilter(), ListFilter(completed=True), ListFilter(completed=False, priority=("low",))):
        params = params_for(heavy_user, filters, NEWEST, False)
        for generic in (False, True):
            tree = plan(conn, shapes.count_query(filters, NEWEST), params, generic=generic)
            assert {n.get("Relation Name") for n in nodes(tree)} - {None} <= {
                "task_counts",
                "task_count_deltas",
            }, (
                filters,
                generic,
            )
        counted = conn.execute(shapes.count_query(filters, NEWEST), params).fetchone()[0]
        assert (
            counted
            == conn.execute(
                sql.SQL("SELECT count(*) FROM ({}) AS page").format(
                    shapes.page_query(filters, NEWEST, keyset=False)
                ),
                {**params, "limit": None},
            ).fetchone()[0]
        )


def rows_read(conn: psycopg.Connection[Any], query: sql.Composed, params: dict) -> int:
    """How many rows the scans of tasks handed up (EXPLAIN ANALYZE)."""
    text = query.as_string(conn)
    tree = conn.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {text}", params).fetchone()[0][0]["Plan"]
    return sum(
        n["Actual Rows"] for n in nodes(tree) if "Index Name" in n or n.get("Relation Name") == "tasks"
    )


def test_the_default_listing_uses_its_index_before_any_analyze_has_seen_the_rows(database: Database) -> None:
    """Right after a bulk load, the statistics still those of the empty table the migrations
    analysed: the first page, newest first, is read from tasks_user_created_idx (its order is the
    query's), never a scan of the user's rows and a sort, for a heavy and a light user."""
    with scratch_database(database.url) as url:
        migrations.apply(url)
        with psycopg.connect(url, autocommit=True) as setup:  # no ANALYZE by autovacuum meanwhile
            setup.execute("ALTER TABLE tasks SET (autovacuum_enabled = false)")
        heavy = seed.seed(url, users=50, tasks=200, heavy=20_000, prefix="fresh", analyze=False)
        with psycopg.connect(url, autocommit=True, cursor_factory=ClientCursor) as fresh:
            (analysed,) = fresh.execute("SELECT reltuples FROM pg_class WHERE relname = 'tasks'").fetchone()
            assert analysed == 0  # the planner still believes the table is empty
            for user, generic in itertools.product((heavy, "fresh-user-7"), (False, True)):
                params = shapes.parameters(user, ListFilter(), limit=51, offset=0, after=None)
                tree = plan(
                    fresh, shapes.page_query(ListFilter(), NEWEST, keyset=False), params, generic=generic
                )
                scans = [n.get("Index Name") for n in nodes(tree) if n["Node Type"].endswith("Scan")]
                assert scans == ["tasks_user_created_idx"] and not problems(tree), (user, generic, tree)


def test_a_cursor_at_depth_40000_reads_one_page_where_offset_reads_them_all(
    conn: psycopg.Connection[Any], heavy_user: str
) -> None:
    sort = Sort("created_at", True)
    at_40000 = shapes.parameters(heavy_user, ListFilter(), limit=1, offset=40_000, after=None)
    deep = conn.execute(shapes.page_query(ListFilter(), sort, keyset=False), at_40000).fetchone()
    after = After(deep[-1], deep[0])  # sort_key is the last column, id the first
    by_cursor = shapes.parameters(heavy_user, ListFilter(), limit=51, offset=0, after=after)
    by_offset = shapes.parameters(heavy_user, ListFilter(), limit=51, offset=40_000, after=None)

    assert rows_read(conn, shapes.page_query(ListFilter(), sort, keyset=True), by_cursor) == 51
    assert rows_read(conn, shapes.page_query(ListFilter(), sort, keyset=False), by_offset) > 40_000


def test_value_dependent_shapes_are_never_prepared_and_the_others_are(
    database: Database, heavy_user: str
) -> None:
    pool = Pool(
        Config(database_url=database.url, jwt_secret="x" * 32, db_pool_min_size=1, db_pool_max_size=1)
    )
    store = TaskStore(pool, load_queries(), max_tasks=100_000)
    try:
        for _ in range(8):  # past psycopg's prepare_threshold
            store.list(heavy_user, ListFilter(), Sort("created_at", True), limit=5)
            store.list(heavy_user, ListFilter(q="report"), Sort("relevance", True), limit=5)
            store.list(heavy_user, ListFilter(tags=("work",)), Sort("created_at", True), limit=5)
        with pool.connection() as conn:
            statements = [
                r["statement"] for r in conn.execute("SELECT statement FROM pg_prepared_statements")
            ]
    finally:
        pool.close()

    assert any("ORDER BY created_at DESC" in s and "@@" not in s and "@>" not in s for s in statements)
    # a search's plan never sees its words (they become a tsquery when it runs): prepared too
    assert any("@@" in s for s in statements)
    assert not any("@>" in s for s in statements)  # how common a tag is decides the plan


def _sorts_a_whole_list(tree: dict) -> list[str]:
    """A Sort over scans narrowed by nothing but the user and the list: a sort of a whole list."""
    found = []
    for node in nodes(tree):
        if node["Node Type"] in ("Sort", "Incremental Sort"):
            scans = [n for n in nodes(node) if n.get("Relation Name") == "tasks" or "Index Name" in n]
            conditions = [s.get("Index Cond", "") + s.get("Recheck Cond", "") for s in scans]
            parts = [p for c in conditions for p in re.split(r"\) AND \(", c.strip("()")) if p]
            if not any("user_id" not in p and "list_id" not in p and not p.startswith("ROW(") for p in parts):
                found.append(f"sort of a whole list by {node.get('Sort Key')}")
    return found


def test_list_and_parent_filters_are_served_by_an_index(
    conn: psycopg.Connection[Any], heavy_user: str
) -> None:
    """The heavy user's 50,000 tasks are all in their Inbox: filtering by it keeps them all."""
    inbox, some_task = conn.execute(
        "SELECT list_id, id FROM tasks WHERE user_id = %s ORDER BY id LIMIT 1", (heavy_user,)
    ).fetchone()
    shapes_checked, failures = 0, []
    for filters in (
        ListFilter(list_id=inbox),
        ListFilter(parent_id="none"),
        ListFilter(parent_id=some_task),
        ListFilter(list_id=inbox, parent_id="none"),
        ListFilter(list_id=inbox, completed=False, priority=("high",)),
    ):
        assert shapes.plan_depends_on_values(filters)  # never prepared: planned for its values
        for by in shapes.SORT_KEYS:
            if by == "relevance":
                continue
            for descending, keyset in itertools.product((False, True), repeat=2):
                sort = Sort(by, descending)
                params = params_for(heavy_user, filters, sort, keyset)
                for query in (
                    shapes.page_query(filters, sort, keyset=keyset),
                    shapes.count_query(filters, sort),
                ):
                    shapes_checked += 1
                    tree = plan(conn, query, params, generic=False)
                    for found in problems(tree) + _sorts_a_whole_list(tree):
                        failures.append(f"{found}: {filters} {sort} keyset={keyset}")
    assert shapes_checked == 5 * 6 * 4 * 2
    assert not failures, "\n".join(failures[:20])


# one of each kind of search, in the seed's vocabulary: a prefix as typed, two words, a stop
# word, accents, a typo, a phrase, an exclusion, and a search of only an exclusion
SEARCHES = ("rep", "tax ret", "the", "Répört", "reprot", '"tax return"', "report -draft", "-report")


@pytest.mark.parametrize("q", SEARCHES)
def test_every_kind_of_search_uses_the_search_index_prepared_or_not(
    conn: psycopg.Connection[Any], heavy_user: str, q: str
) -> None:
    failures = []
    for by, keyset, generic in itertools.product(("relevance", "created_at"), (False, True), (False, True)):
        filters, sort = ListFilter(q=q), Sort(by, descending=True)
        params = params_for(heavy_user, filters, sort, keyset)
        queries = {
            "page": shapes.page_query(filters, sort, keyset=keyset),
            "count": shapes.count_query(filters, sort),
        }
        for kind, query in queries.items():
            tree = plan(conn, query, params, generic=generic)
            found = problems(tree)
            # (a search of only an exclusion is all the user's tasks but some: any index will do)
            searched = any(n.get("Index Name") == "tasks_user_search_terms_idx" for n in nodes(tree))
            if (kind == "count" or by == "relevance") and not q.startswith("-") and not searched:
                found.append("the search index is not used")
            failures += [f"{kind}: {f}: {sort} keyset={keyset} generic={generic}" for f in found]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("q", SEARCHES[:-1])
def test_a_ranked_search_reads_the_newest_tasks_by_the_primary_key_and_better_ones_by_the_search_index(
    conn: psycopg.Connection[Any], heavy_user: str, q: str
) -> None:
    """taskapi.store.ranked's two statements: the window walks the user's newest tasks (a bounded
    index scan, then a sort of at most that many rows), the tasks above a level come from the
    search index."""
    filters, best = ListFilter(q=q), Sort("relevance", descending=True)
    for keyset, generic in itertools.product((False, True), repeat=2):  # prepared or not
        params = {**params_for(heavy_user, filters, best, keyset), "window": 1000}
        newest = shapes.page_query(filters, best, keyset=keyset, source=ranked.NEWEST)
        window = plan(conn, newest, params, generic=generic)
        limits = [n for n in nodes(window) if n["Node Type"] == "Limit"]
        scans = [n for limit in limits for n in nodes(limit) if n.get("Index Name") == "tasks_pkey"]
        assert scans and all(n["Scan Direction"] == "Backward" for n in scans), window
        assert not any(n["Node Type"] == "Seq Scan" for n in nodes(window))
        for level in range(1, search.TOP + 1):
            above = shapes.page_query(filters, best, keyset=keyset, extra=search.at_least(parse(q), level))
            tree = plan(conn, above, params, generic=generic)
            assert not problems(tree), (level, keyset, generic, problems(tree))
            searched = any(n.get("Index Name") == "tasks_user_search_terms_idx" for n in nodes(tree))
            assert searched, (level, keyset, tree)
