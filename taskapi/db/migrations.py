"""Applying and rolling back migrations/ with yoyo, through psycopg 3 and the service's DATABASE_URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from yoyo import get_backend, read_migrations

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def _backend(database_url: str) -> Any:  # yoyo is untyped
    # yoyo picks psycopg 3 only for this scheme (plain postgresql:// means psycopg2)
    _, _, rest = database_url.partition("://")
    return get_backend(f"postgresql+psycopg://{rest}")


def apply(database_url: str) -> list[str]:
    """Apply every pending migration; return their ids."""
    backend = _backend(database_url)
    migrations = read_migrations(str(MIGRATIONS_DIR))
    with backend.lock():
        pending = backend.to_apply(migrations)
        backend.apply_migrations(pending)
    return [m.id for m in pending]


def rollback(database_url: str, *, everything: bool = False) -> list[str]:
    """Roll back the newest applied migration (all of them with `everything`); return their ids."""
    backend = _backend(database_url)
    migrations = read_migrations(str(MIGRATIONS_DIR))
    with backend.lock():
        applied = backend.to_rollback(migrations)
        chosen = applied if everything else applied[:1]
        backend.rollback_migrations(chosen)
    return [m.id for m in chosen]
