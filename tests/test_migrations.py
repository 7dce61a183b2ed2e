"""Migrations apply, roll back completely and apply again, through our wrapper and the yoyo CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row
from yoyo import read_migrations

from taskapi.db import migrations
from tests.postgres import Database, scratch_database

ROOT = Path(__file__).resolve().parent.parent


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return {name for (name,) in rows if not name.startswith("_yoyo") and name != "yoyo_lock"}


def _applied(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [m for (m,) in conn.execute("SELECT migration_id FROM _yoyo_migration").fetchall()]


@pytest.fixture
def empty_url(database: Database) -> Iterator[str]:
    with scratch_database(database.url) as url:
        yield url


def test_every_migration_has_a_rollback() -> None:
    forward = {
        p.name.removesuffix(".sql") for p in (ROOT / "migrations").glob("*.sql") if ".rollback" not in p.name
    }
    rollbacks = {p.name.removesuffix(".rollback.sql") for p in (ROOT / "migrations").glob("*.rollback.sql")}
    assert forward and forward == rollbacks


def test_apply_rollback_everything_and_apply_again(empty_url: str) -> None:
    applied = migrations.apply(empty_url)
    assert "tasks" in _tables(empty_url)

    rolled_back = migrations.rollback(empty_url, everything=True)
    assert sorted(rolled_back) == sorted(applied)
    assert _tables(empty_url) == set()

    assert migrations.apply(empty_url) == applied
    assert migrations.apply(empty_url) == []  # nothing pending


def _yoyo(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    yoyo = Path(sys.executable).with_name("yoyo")
    return subprocess.run([str(yoyo), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_yoyo_cli_applies_and_rolls_back_with_the_plain_database_url(empty_url: str) -> None:
    assert empty_url.startswith("postgresql://")

    applied = _yoyo(empty_url, "apply")
    assert applied.returncode == 0, applied.stderr
    every_table = _tables(empty_url)
    assert "tasks" in every_table

    newest = _yoyo(empty_url, "rollback")  # batch mode: only the newest migration
    assert newest.returncode == 0, newest.stderr
    assert (
        "tasks" in _tables(empty_url)
        and len(_applied(empty_url)) == len(list((ROOT / "migrations").glob("*.rollback.sql"))) - 1
    )

    everything = _yoyo(empty_url, "rollback", "--all")
    assert everything.returncode == 0, everything.stderr
    assert _tables(empty_url) == set()


def test_migrate_command_applies(empty_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": empty_url}
    done = subprocess.run(
        [sys.executable, "-m", "taskapi", "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert "applied: 0001.create-tasks" in done.stdout


_SEARCH_OBJECTS = """
SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'unaccent') AS unaccent,
       EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'tasks'::regclass
                   AND attname = 'search_terms' AND NOT attisdropped) AS search_terms,
       to_regclass('tasks_user_search_terms_idx') IS NOT NULL AS "search index",
       EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'tasks'::regclass
                   AND attname = 'search_document' AND NOT attisdropped) AS "english document"
"""


def _search_objects(url: str) -> dict[str, bool]:
    with psycopg.connect(url, row_factory=dict_row) as conn:
        row = conn.execute(_SEARCH_OBJECTS).fetchone()
    assert row is not None
    return dict(row)


def _apply_through(url: str, last: str) -> None:
    """Apply the migrations up to `last` (the later ones stay unapplied)."""
    backend = migrations._backend(url)
    every = read_migrations(str(migrations.MIGRATIONS_DIR))
    with backend.lock():
        backend.apply_migrations(backend.to_apply(every.filter(lambda m: m.id <= last)))


def test_the_search_migration_rolls_back_to_the_english_document_and_applies_again(empty_url: str) -> None:
    _apply_through(empty_url, "0005.search")  # a task as it was stored then: no list yet
    with psycopg.connect(empty_url) as conn:
        conn.execute("INSERT INTO tasks (user_id, id, title) VALUES ('u', gen_random_uuid(), 'Buying milk')")
    assert _search_objects(empty_url) == {
        "unaccent": True,
        "search_terms": True,
        "search index": True,
        "english document": False,
    }

    for _ in range(20):  # newer migrations go first
        if migrations.rollback(empty_url) == ["0005.search"]:
            break
    assert _search_objects(empty_url) == {
        "unaccent": False,
        "search_terms": False,
        "search index": False,
        "english document": True,
    }
    with psycopg.connect(empty_url) as conn:
        assert conn.execute("SELECT count(*) FROM tasks WHERE search_document @@ 'buy'").fetchone()[0] == 1

    migrations.apply(empty_url)
    assert _search_objects(empty_url)["search index"]
    with psycopg.connect(empty_url) as conn:
        found = "SELECT count(*) FROM tasks WHERE search_terms @@ taskapi_search_match('u', %s, false)"
        assert conn.execute(found, ["BUY mlik"]).fetchone()[0] == 1  # the task's words were learned


_FOUND = "SELECT count(*) FROM tasks WHERE search_terms @@ "
_TYPO_FOUND = {
    "0008.counters": _FOUND + "taskapi_search_match(%s, false)",
    "0009.search-vocabulary": _FOUND + "taskapi_search_match('u', %s, false)",
}
_VOCABULARY = """
SELECT to_regclass('search_words') IS NOT NULL AS vocabulary,
       (SELECT count(*) FROM tasks, unnest(tsvector_to_array(search_terms)) AS lexeme
        WHERE lexeme LIKE '~%%') AS "typo keys in documents"
"""


def _typo_state(url: str, migration: str) -> tuple[dict[str, object], int]:
    with psycopg.connect(url, row_factory=dict_row) as conn:
        state = conn.execute(_VOCABULARY).fetchone()
        found = conn.execute(_TYPO_FOUND[migration], ["plumbr"]).fetchone()
    assert state is not None and found is not None
    return dict(state), found["count"]


def test_the_vocabulary_migration_takes_typo_keys_out_of_documents_and_rolls_back(empty_url: str) -> None:
    _apply_through(empty_url, "0008.counters")
    with psycopg.connect(empty_url) as conn:  # written before the vocabulary existed
        inbox = "INSERT INTO lists (user_id, id, name, is_inbox) VALUES ('u', gen_random_uuid(), %s, true)"
        (list_id,) = conn.execute(inbox + " RETURNING id", ["Inbox"]).fetchone()  # type: ignore[misc]
        task = "INSERT INTO tasks (user_id, id, title, list_id) VALUES ('u', gen_random_uuid(), %s, %s)"
        conn.execute(task, ["Call the plumber", list_id])
    keys_before = _typo_state(empty_url, "0008.counters")[0]["typo keys in documents"]
    assert keys_before > 0

    migrations.apply(empty_url)
    assert _typo_state(empty_url, "0009.search-vocabulary") == (
        {"vocabulary": True, "typo keys in documents": 0},
        1,  # the typo is found through the words learned from the existing task
    )

    assert migrations.rollback(empty_url) == ["0009.search-vocabulary"]
    assert _typo_state(empty_url, "0008.counters") == (
        {"vocabulary": False, "typo keys in documents": keys_before},
        1,
    )

    migrations.apply(empty_url)
    assert _typo_state(empty_url, "0009.search-vocabulary")[1] == 1
