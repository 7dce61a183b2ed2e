"""The connection pool (opened per worker, after fork) and the SQL files, loaded once at start-up."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from taskapi.db.pooler import behind_transaction_pooler
from taskapi.telemetry import DATABASE_ERRORS

if TYPE_CHECKING:  # the settings object only: loading settings is the app's business
    from taskapi.config import Config

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
log = logging.getLogger("taskapi.db")


class DatabaseUnavailable(Exception):
    """No working connection could be had in time (the database is down or overloaded)."""


class TransactionConflict(DatabaseUnavailable):
    """PostgreSQL rolled the transaction back to break a deadlock or a serialization failure:
    nothing of it was kept, and running it again is likely to succeed."""


class PreparedStatementMismatch(Exception):
    """A server-side prepared statement was missing, already there, or another one: a bug of the
    set-up (a transaction-mode pooler with prepared statements on), never an outage."""


# The server-side prepared statements psycopg makes after this many runs of a statement.
PREPARE_THRESHOLD = 5


def load_queries(root: Path = SQL_DIR) -> dict[str, bytes]:
    """Every `sql/<aggregate>/<verb>.sql`, keyed `"<aggregate>/<verb>"`; read once at start-up."""
    queries = {
        path.relative_to(root).with_suffix("").as_posix(): path.read_bytes()
        for path in sorted(root.glob("*/*.sql"))
    }
    if not queries:
        raise RuntimeError(f"no SQL files found under {root}")
    return queries


# A connection back from a request less than this long ago is trusted without a round trip.
CHECK_AFTER_IDLE_SECONDS = 1.0


class PooledConnection(psycopg.Connection[dict]):
    """A connection that remembers when it last went back to the pool."""

    returned_at = 0.0


def _check_if_idle(conn: PooledConnection) -> None:
    """Check a connection that sat idle (it may have died with a database restart); one that was in
    use a moment ago is almost surely alive, and checking it would add a round trip to every
    request. Should it be dead after all, its request gets a 503 and the pool discards it."""
    if time.monotonic() - conn.returned_at > CHECK_AFTER_IDLE_SECONDS:
        ConnectionPool.check_connection(conn)


# SQLSTATEs that mean "the database is not there right now", not "this request is wrong": connection
# exceptions (08...), shutdown and crash recovery (57P01-57P03), too many connections, and a
# statement cut off by statement_timeout (an overloaded server). 08P01 is no outage: see below
# (`connection()` checks for a mismatch first).
_OUTAGE_STATES = ("08", "57P01", "57P02", "57P03", "53300", "57014")
# A statement name that resolves to nothing, to something already there, or to a statement with
# other parameters (protocol violation, 08P01): what prepared statements through a transaction
# pooler do. Not an outage (retrying cannot help), and with equal parameter counts the wrong
# statement would have run instead.
_MISMATCH_STATES = ("08P01", "26000", "42P05")
# A deadlock or serialization failure rolled the transaction back: nothing changed, and the same
# request is likely to succeed when retried (so 503 + Retry-After, not a 500).
_CONFLICT_STATES = ("40001", "40P01")


def _is_outage(exc: psycopg.OperationalError) -> bool:
    # no SQLSTATE: the client library itself lost or could not open the connection
    return exc.sqlstate is None or exc.sqlstate.startswith(_OUTAGE_STATES)


class Database:
    """A psycopg pool of autocommit connections: one statement is one unit of work, several
    statements run inside `with conn.transaction():`, and a request that must be one unit of
    work as a whole (an idempotent POST) runs inside `with db.transaction():`, which every
    `db.connection()` under it joins."""

    def __init__(self, config: Config) -> None:
        self._statement_timeout_ms = config.db_statement_timeout_ms
        self._conninfo = config.database_url
        self._connect_timeout = max(1, int(config.db_pool_timeout))
        self.pool: ConnectionPool[PooledConnection] = ConnectionPool(
            config.database_url,
            connection_class=PooledConnection,
            open=False,
            min_size=config.db_pool_min_size,
            max_size=config.db_pool_max_size,
            timeout=config.db_pool_timeout,
            # a failed checkout must not wait for minutes while the database is down
            reconnect_timeout=0,
            kwargs={
                "autocommit": True,
                "row_factory": dict_row,
                # off until the pooler check says they are safe (see `_check_pooler`)
                "prepare_threshold": None,
                "connect_timeout": self._connect_timeout,
                "application_name": "taskapi",
            },
            configure=self._configure,
            check=_check_if_idle,
            name="taskapi",
        )
        self._opened = False
        # what every checked-out connection is set to: None (no prepared statements) until the
        # pooler check has run, for good when it found a pooler or when the setting is false
        self.prepare_threshold: int | None = None
        self._pooler_checked = not config.db_prepared_statements
        self._pooler_check_lock = threading.Lock()
        # the connection of the enclosing `transaction()` block in this thread, if any
        self._current: ContextVar[psycopg.Connection[dict] | None] = ContextVar(
            f"taskapi_db_{id(self)}", default=None
        )

    def _configure(self, conn: psycopg.Connection[dict]) -> None:
        # timestamps go out in UTC; a runaway statement is cut off instead of holding a worker
        conn.execute(
            "SELECT set_config('TimeZone', 'UTC', false), set_config('statement_timeout', %s, false)",
            (str(self._statement_timeout_ms),),
        )
        self._check_pooler()

    def _check_pooler(self) -> None:
        """Once per worker, on its first working connection (so also when the database was down
        at start-up): with DB_PREPARED_STATEMENTS=true, turn prepared statements on only when no
        transaction-mode pooler is in front of the database. Until then they stay off."""
        if self._pooler_checked or not self._pooler_check_lock.acquire(blocking=False):
            return  # done, or another of the pool's threads is at it
        try:
            if self._pooler_checked:  # finished by another thread just before this one got the lock
                return
            pooler = behind_transaction_pooler(self._conninfo, self._connect_timeout)
        except psycopg.Error as exc:
            log.info("pooler check failed (%s); prepared statements stay off until it succeeds", exc)
            return
        else:
            # decided while the lock is held: a second thread cannot run the check (and log) again
            self._pooler_checked = True
        finally:
            self._pooler_check_lock.release()
        if pooler:
            log.warning(
                "DB_PREPARED_STATEMENTS=true, but DATABASE_URL leads to a transaction-mode pooler "
                "(PgBouncer, a Neon -pooler endpoint): server-side prepared statements are off"
            )
        else:
            self.prepare_threshold = PREPARE_THRESHOLD

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
        """A connection from the pool, or the one of the enclosing `transaction()` block."""
        current = self._current.get()
        if current is not None:
            yield current
            return
        self.open()
        try:
            with self.pool.connection() as conn:
                if conn.prepare_threshold != self.prepare_threshold:
                    conn.prepare_threshold = self.prepare_threshold
                try:
                    yield conn
                finally:
                    # stamped here, not by a pool `reset` callback: with one, the pool hands every
                    # returned connection to its worker thread (a thread switch per request)
                    conn.returned_at = time.monotonic()
        except PoolTimeout as exc:
            DATABASE_ERRORS.labels("pool_timeout").inc()
            raise DatabaseUnavailable("no database connection available") from exc
        except psycopg.DatabaseError as exc:
            if exc.sqlstate in _MISMATCH_STATES:
                raise self._mismatch(exc) from exc
            if not isinstance(exc, psycopg.OperationalError):
                raise
            if exc.sqlstate in _CONFLICT_STATES:
                DATABASE_ERRORS.labels("conflict").inc()
                raise TransactionConflict("transaction conflict, rolled back") from exc
            if not _is_outage(exc):
                raise
            # the connection broke mid-request (restart, network): the pool discards it
            DATABASE_ERRORS.labels("connection_lost").inc()
            raise DatabaseUnavailable("database connection lost") from exc

    def _mismatch(self, exc: psycopg.DatabaseError) -> PreparedStatementMismatch:
        # whatever the cause, prepared statements are not safe here: off for the rest of this worker
        self.prepare_threshold = None
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return PreparedStatementMismatch(
            f"prepared statement mismatch (SQLSTATE {exc.sqlstate}: {first_line}): is a "
            "transaction-mode pooler in front of the database with DB_PREPARED_STATEMENTS=true? "
            "Prepared statements are now off in this worker"
        )

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection[dict]]:
        """One transaction that every `connection()` inside the block joins (their own
        `conn.transaction()` blocks become savepoints): all of it commits, or none of it."""
        if self._current.get() is not None:
            raise RuntimeError("db.transaction() blocks do not nest")
        with self.connection() as conn, conn.transaction():
            token = self._current.set(conn)
            try:
                yield conn
            finally:
                self._current.reset(token)

    @contextmanager
    def joined_transaction(self) -> Iterator[psycopg.Connection[dict]]:
        """The enclosing `transaction()` block's connection, else a new `transaction()` block: for
        work that must be one transaction whether or not its caller opened one already."""
        current = self._current.get()
        if current is not None:
            yield current
            return
        with self.transaction() as conn:
            yield conn

    def ping(self, timeout: float) -> bool:
        """True when a connection answers a trivial query within `timeout` seconds."""
        self.open()
        try:
            with self.pool.connection(timeout=timeout) as conn:
                conn.execute("SELECT 1", prepare=False)
            return True
        except (PoolTimeout, psycopg.Error):
            return False
