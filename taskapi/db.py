"""The connection pool (opened per worker, after fork) and the SQL files, loaded once at start-up."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from taskapi.config import Config
from taskapi.metrics import DATABASE_ERRORS

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
log = logging.getLogger("taskapi.db")


class DatabaseUnavailable(Exception):
    """No working connection could be had in time (the database is down or overloaded)."""


def load_queries(root: Path = SQL_DIR) -> dict[str, bytes]:
    """Every `sql/<aggregate>/<verb>.sql`, keyed `"<aggregate>/<verb>"`; read once at start-up."""
    queries = {
        path.relative_to(root).with_suffix("").as_posix(): path.read_bytes()
        for path in sorted(root.glob("*/*.sql"))
    }
    if not queries:
        raise RuntimeError(f"no SQL files found under {root}")
    return queries


class Database:
    """A psycopg pool of autocommit connections: one statement is one unit of work, several
    statements run inside `with conn.transaction():`."""

    def __init__(self, config: Config) -> None:
        self._statement_timeout_ms = config.db_statement_timeout_ms
        self.pool: ConnectionPool[psycopg.Connection[dict]] = ConnectionPool(
            config.database_url,
            open=False,
            min_size=config.db_pool_min_size,
            max_size=config.db_pool_max_size,
            timeout=config.db_pool_timeout,
            # a failed checkout must not wait for minutes while the database is down
            reconnect_timeout=0,
            kwargs={
                "autocommit": True,
                "row_factory": dict_row,
                # None turns server-side prepared statements off (PgBouncer/Neon pooled endpoints)
                "prepare_threshold": 5 if config.db_prepared_statements else None,
                "connect_timeout": max(1, int(config.db_pool_timeout)),
                "application_name": "taskapi",
            },
            configure=self._configure,
            check=ConnectionPool.check_connection,
            name="taskapi",
        )
        self._opened = False

    def _configure(self, conn: psycopg.Connection[dict]) -> None:
        # timestamps go out in UTC; a runaway statement is cut off instead of holding a worker
        conn.execute(
            "SELECT set_config('TimeZone', 'UTC', false), set_config('statement_timeout', %s, false)",
            (str(self._statement_timeout_ms),),
        )

    def open(self) -> None:
        """Open the pool without waiting for the database (a worker starts even while it is down)."""
        if not self._opened:
            self.pool.open(wait=False)
            self._opened = True

    def close(self) -> None:
        if self._opened:
            self.pool.close()
            self._opened = False

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[dict]]:
        self.open()
        try:
            with self.pool.connection() as conn:
                yield conn
        except PoolTimeout as exc:
            DATABASE_ERRORS.labels("pool_timeout").inc()
            raise DatabaseUnavailable("no database connection available") from exc
        except psycopg.OperationalError as exc:
            # the connection broke mid-request (restart, network): the pool discards it
            DATABASE_ERRORS.labels("connection_lost").inc()
            raise DatabaseUnavailable("database connection lost") from exc

    def ping(self, timeout: float) -> bool:
        """True when a connection answers a trivial query within `timeout` seconds."""
        self.open()
        try:
            with self.pool.connection(timeout=timeout) as conn:
                conn.execute("SELECT 1")
            return True
        except (PoolTimeout, psycopg.Error):
            return False
