"""The best-first search page without scoring every match: ranked among the newest tasks first.

A common word finds thousands of a heavy user's tasks, and ranking them all (relevance tests on
each, then a sort) was most of a search's cost. A page of the `depth` best matches in relevance
order (ties: the higher id first; ids are UUIDv7, so the newest) is found exactly from fewer
rows:

1. the `depth` best matches among the user's W newest tasks (highest ids), W sized from the
   exact total so that, if matches are spread evenly, they hold WINDOW_MARGIN x depth of them;
2. let `level` be the relevance of the last of them. A task outside the window with relevance
   `level` or less has a lower id than all `depth` rows found, each at least as relevant: it
   cannot be in the page. So the page is the best `depth` of those rows and of the tasks with
   relevance above `level` (none when `level` is the top one), which the search index finds
   among all the user's tasks: few, unless the top tiers themselves are common, and then
   `level` is the top and this step is skipped.

A cursor page is the same with the cursor's condition on both statements (the argument holds
for the tasks after the cursor). When W would reach the total (few matches: scoring them all
is cheaper) or the window holds fewer than `depth` matches (they are not spread evenly, or a
cursor is deep), the page is ranked the plain way.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from taskapi.domain.search import parse
from taskapi.store import listing, search
from taskapi.store.listing import ListFilter, Sort

Row = dict[str, Any]

WINDOW_MARGIN = 4  # matches the window should hold, per row of the page, if spread evenly
NEWEST = sql.SQL(
    "(SELECT * FROM tasks WHERE user_id = %(user_id)s ORDER BY id DESC LIMIT %(window)s) AS tasks"
)
BEST = Sort("relevance", descending=True)


def applies(filters: ListFilter, sort: Sort) -> bool:
    """A page of a search, best first (first, offset or cursor page)."""
    return filters.q is not None and sort == BEST


def window(total: int, tasks: int, depth: int) -> int | None:
    """How many of the newest tasks to rank for a page of `depth` rows, or None when ranking
    every match costs less (the window would hold as many rows as there are matches)."""
    if total == 0:
        return None
    size = -(-WINDOW_MARGIN * depth * tasks // total)  # ceiling
    return size if size < total else None


def page(
    conn: psycopg.Connection[Row],
    filters: ListFilter,
    params: dict,
    total: int,
    tasks: int,
    *,
    keyset: bool,
    sent: list[tuple[sql.Composed, dict]] | None = None,
) -> list[Row]:
    """The rows listing.page_query(filters, best first, keyset) returns for these params, exactly;
    each statement run is added to `sent` when given (bench.listing runs them through pgbench)."""

    def run(query: sql.Composed, values: dict) -> list[Row]:
        if sent is not None:
            sent.append((query, values))
        return conn.execute(query, values, prepare=listing.prepare(filters)).fetchall()

    depth = params["limit"] + params["offset"]
    size = window(total, tasks, depth)
    plain = listing.page_query(filters, BEST, keyset=keyset)
    if size is None:
        return run(plain, params)
    ranked = {**params, "window": size, "limit": depth, "offset": 0}
    newest = run(listing.page_query(filters, BEST, keyset=keyset, source=NEWEST), ranked)
    if len(newest) < depth:  # matches are not spread evenly: rank them all
        return run(plain, params)
    level = int(newest[-1]["sort_key"])
    if level < search.TOP:
        above = search.at_least(parse(filters.q or ""), level + 1)
        better = run(listing.page_query(filters, BEST, keyset=keyset, extra=above), ranked)
        merged = {row["id"]: row for row in [*newest, *better]}.values()
        newest = sorted(merged, key=lambda row: (row["sort_key"], row["id"]), reverse=True)[:depth]
    return newest[params["offset"] :]
