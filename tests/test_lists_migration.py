"""Migration 0006.lists on a database with data: tasks move into each user's Inbox, rollback
restores the previous schema, apply works again; and every key of the schema leads with user_id."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from yoyo import read_migrations

from taskapi.db import migrations
from tests.postgres import Database, scratch_database

LISTS = "0006.lists"


@pytest.fixture
def empty_url(database: Database) -> Iterator[str]:
    with scratch_database(database.url) as url:
        yield url


def _apply_before_lists(url: str) -> None:
    _apply(url, lambda m: m.id < LISTS)


def _apply_lists(url: str) -> list[str]:
    return _apply(url, lambda m: m.id <= LISTS)


def _apply(url: str, chosen: Any) -> list[str]:
    """Apply the migrations `chosen` picks (the later ones stay unapplied); their ids."""
    backend = migrations._backend(url)
    every = read_migrations(str(migrations.MIGRATIONS_DIR))
    with backend.lock():
        pending = backend.to_apply(every.filter(chosen))
        backend.apply_migrations(pending)
    return [m.id for m in pending]


def _columns(conn: psycopg.Connection, table: str) -> list[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [name for (name,) in rows]


def test_existing_tasks_move_into_each_users_inbox_and_rollback_restores_the_schema(empty_url: str) -> None:
    _apply_before_lists(empty_url)
    with psycopg.connect(empty_url, autocommit=True) as conn:
        before = _columns(conn, "tasks")
        conn.execute(
            "INSERT INTO tasks (user_id, id, title, completed, completed_at) "
            "SELECT 'user-' || (n % 3), gen_random_uuid(), 'task ' || n, n % 2 = 0, "
            "CASE WHEN n % 2 = 0 THEN now() END FROM generate_series(1, 30) AS n"
        )

    assert _apply_lists(empty_url) == [LISTS]
    with psycopg.connect(empty_url, autocommit=True) as conn:
        inboxes = conn.execute(
            "SELECT user_id, id, open_tasks FROM lists WHERE is_inbox AND name = 'Inbox' ORDER BY user_id"
        ).fetchall()
        assert [user for user, _, _ in inboxes] == ["user-0", "user-1", "user-2"]
        placed = conn.execute(
            "SELECT t.user_id, count(*) FROM tasks AS t "
            "JOIN lists AS l ON (l.user_id, l.id) = (t.user_id, t.list_id) "
            "WHERE l.is_inbox GROUP BY t.user_id ORDER BY t.user_id"
        ).fetchall()
        assert placed == [("user-0", 10), ("user-1", 10), ("user-2", 10)]
        open_counts = dict(
            conn.execute(
                "SELECT user_id, count(*) FROM tasks WHERE NOT completed GROUP BY user_id"
            ).fetchall()
        )
        assert {user: n for user, _, n in inboxes} == open_counts

    assert migrations.rollback(empty_url) == [LISTS]
    with psycopg.connect(empty_url, autocommit=True) as conn:
        assert _columns(conn, "tasks") == before
        assert conn.execute("SELECT count(*) FROM tasks").fetchone() == (30,)
        assert conn.execute("SELECT to_regclass('lists'), to_regclass('list_tombstones')").fetchone() == (
            None,
            None,
        )

    assert _apply_lists(empty_url) == [LISTS]
    with psycopg.connect(empty_url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM tasks WHERE list_id IS NOT NULL").fetchone() == (30,)


# every primary, unique and foreign key with its columns in key order, and every index
KEYS = """
SELECT c.conrelid::regclass::text, c.conname, c.contype,
       array_agg(a.attname ORDER BY k.n) AS columns,
       (SELECT array_agg(a2.attname ORDER BY k2.n)
        FROM unnest(c.confkey) WITH ORDINALITY AS k2 (attnum, n)
        JOIN pg_attribute AS a2 ON a2.attrelid = c.confrelid AND a2.attnum = k2.attnum) AS referenced
FROM pg_constraint AS c
JOIN pg_namespace AS s ON s.oid = c.connamespace AND s.nspname = 'public'
CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k (attnum, n)
JOIN pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
WHERE c.contype IN ('p', 'u', 'f')
GROUP BY c.oid, c.conrelid, c.conname, c.contype, c.confrelid, c.confkey
"""
INDEXES = """
SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text,
       pg_get_indexdef(i.indexrelid, 1, true) AS first_column
FROM pg_index AS i
JOIN pg_class AS t ON t.oid = i.indrelid
JOIN pg_namespace AS s ON s.oid = t.relnamespace AND s.nspname = 'public'
"""


def test_every_key_of_the_schema_starts_with_user_id(database: Database) -> None:
    with psycopg.connect(database.url) as conn:
        keys = [k for k in conn.execute(KEYS).fetchall() if not k[0].startswith(("_yoyo", "yoyo"))]
        indexes = [i for i in conn.execute(INDEXES).fetchall() if not i[0].startswith(("_yoyo", "yoyo"))]

    assert {table for table, *_ in keys} >= {"tasks", "lists", "list_tombstones", "task_tombstones"}
    assert {table for table, *_ in indexes} >= {"tasks", "search_words", "search_word_keys"}
    assert any(kind == "f" for _, _, kind, _, _ in keys)
    bad = [
        name
        for _, name, kind, columns, referenced in keys
        if columns[0] != "user_id" or (kind == "f" and referenced[0] != "user_id")
    ]
    bad += [name for _, name, first in indexes if first != "user_id"]
    assert bad == []
