"""A search page best first, ranked among the newest tasks (taskapi.store.ranked), is exactly the
page that ranking every match gives: same tasks, same order, same total, on every offset."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from taskapi.config import Config
from taskapi.db import Database as Pool
from taskapi.db import load_queries
from taskapi.devtools import seed
from taskapi.store import After, ListFilter, Sort, TaskStore, ranked
from taskapi.store import listing as shapes
from tests.postgres import Database

TASKS = 3_000
BEST = Sort("relevance", descending=True)
LIMIT = 5  # a small page, so that common words of a few thousand tasks take the window
# common words and prefixes, a typo of one (found only through typo keys), a phrase, two words,
# an exclusion, an alternative, only an exclusion (all rank 0), and a rare word (ranked the
# plain way)
SEARCHES = (
    "receipt",
    "call",
    "the",
    "c",
    "mil",
    "grocreies",
    '"the rent"',
    "buy mil",
    "gro -milk",
    "call or email",
    "-milk",
    "zither",
)


@pytest.fixture(scope="module")
def user(database: Database) -> str:
    return seed.seed(database.url, users=0, tasks=0, heavy=TASKS)


@pytest.fixture(scope="module")
def store(database: Database) -> Iterator[TaskStore]:
    pool = Pool(Config(database_url=database.url, jwt_secret="x" * 32, db_pool_max_size=1))
    yield TaskStore(pool, load_queries(), max_tasks=100_000)
    pool.close()


@pytest.fixture(scope="module")
def conn(database: Database) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(database.url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


def every_match_ranked(conn: psycopg.Connection[Any], user: str, filters: ListFilter, offset: int) -> list:
    params = shapes.parameters(user, filters, limit=LIMIT + 1, offset=offset, after=None)
    rows = conn.execute(shapes.page_query(filters, BEST, keyset=False), params, prepare=False).fetchall()
    return [(row["id"], row["sort_key"]) for row in rows]


@pytest.mark.parametrize("q", SEARCHES)
def test_a_page_ranked_among_the_newest_tasks_is_the_page_of_every_match_ranked(
    conn: psycopg.Connection[Any], store: TaskStore, user: str, q: str
) -> None:
    for filters in (ListFilter(q=q), ListFilter(q=q, completed=False)):
        for offset in (0, 5, 60):
            page = store.list(user, filters, BEST, limit=LIMIT, offset=offset)
            expected = every_match_ranked(conn, user, filters, offset)

            assert [(row["id"], row["sort_key"]) for row in page.rows] == expected[:LIMIT], (filters, offset)
            assert page.has_more == (len(expected) > LIMIT)
            params = shapes.parameters(user, filters, limit=LIMIT + 1, offset=offset, after=None)
            total = conn.execute(shapes.count_query(filters, BEST), params).fetchone()
            assert total is not None and page.total == total["total"]


@pytest.mark.parametrize("q", ("call", "receipt", "grocreies", "-milk"))
def test_cursor_pages_ranked_among_the_newest_tasks_are_the_cursor_pages_of_every_match_ranked(
    conn: psycopg.Connection[Any], store: TaskStore, user: str, q: str
) -> None:
    filters, after = ListFilter(q=q), None
    for _ in range(6):
        page = store.list(user, filters, BEST, limit=LIMIT, after=after)
        params = shapes.parameters(user, filters, limit=LIMIT + 1, offset=0, after=after)
        query = shapes.page_query(filters, BEST, keyset=after is not None)
        expected = [(r["id"], r["sort_key"]) for r in conn.execute(query, params, prepare=False)]

        assert [(row["id"], row["sort_key"]) for row in page.rows] == expected[:LIMIT], after
        assert page.has_more
        after = After(page.rows[-1]["sort_key"], page.rows[-1]["id"])


def test_common_words_take_the_window_and_rare_ones_the_plain_ranking(
    conn: psycopg.Connection[Any], user: str
) -> None:
    def window(q: str) -> int | None:
        filters = ListFilter(q=q)
        params = shapes.parameters(user, filters, limit=LIMIT + 1, offset=0, after=None)
        total = conn.execute(shapes.count_query(filters, BEST), params).fetchone()
        assert total is not None
        return ranked.window(total["total"], TASKS, LIMIT + 1)

    windows = {q: window(q) for q in SEARCHES}
    assert all(windows[q] is not None for q in ("receipt", "call", "the", "c", "grocreies", "-milk")), windows
    assert windows["zither"] is None


@pytest.mark.parametrize(
    ("total", "tasks", "depth", "size"),
    [(10_000, 50_000, 51, 1_020), (1_000, 50_000, 51, None), (0, 50_000, 51, None), (300, 300, 51, 204)],
)
def test_the_window_holds_four_times_the_page_in_matches_if_they_are_spread_evenly(
    total: int, tasks: int, depth: int, size: int | None
) -> None:
    assert ranked.window(total, tasks, depth) == size
