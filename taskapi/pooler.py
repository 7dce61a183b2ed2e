"""Is a transaction- or statement-mode pooler (PgBouncer, a Neon "-pooler" endpoint) in front of PostgreSQL?"""

from __future__ import annotations

import select
import time
from contextlib import closing
from typing import Any

import psycopg

# How long the second read may wait for a server connection before we call it a pooler. Directly
# on PostgreSQL the read runs on the connection's own backend at once; behind a pooler with no
# free server connection it waits until the held transaction ends, which here is never.
DETECT_WAIT_SECONDS = 1.0
_PID = b"SELECT pg_backend_pid()"


def behind_transaction_pooler(conninfo: str, connect_timeout: int, wait: float = DETECT_WAIT_SECONDS) -> bool:
    """True when server connections are handed out per transaction (or per statement).

    On client connection A, read the backend pid; on client connection B, open a transaction and
    hold it, which pins one server connection, the one A just used if the pooler reuses them LIFO
    as PgBouncer does; then read A's pid again. Directly on PostgreSQL (or through a session-mode
    pooler) A keeps its backend, so the pid is the same. A transaction pooler must give A another
    server connection (another pid) or make it wait (counted as a pooler after `wait` seconds).
    Raises psycopg.OperationalError when the database cannot be reached: the answer is unknown."""
    options = {"autocommit": True, "connect_timeout": connect_timeout, "application_name": "taskapi"}
    # closing(), not the connections' own `with`: that would wait for A's unanswered read to end
    with closing(psycopg.connect(conninfo, **options)) as a, closing(psycopg.connect(conninfo, **options)) as b:
        first = _read_pid(a, wait)
        if first is None:
            raise psycopg.OperationalError("the pooler check's first read got no answer in time")
        try:
            b.execute("BEGIN")
            b.execute(_PID)
        except psycopg.Error:
            # a statement-mode pooler refuses transactions: server connections are shared
            return True
        second = _read_pid(a, wait)
        b.execute("ROLLBACK")
        return second != first


def _read_pid(conn: psycopg.Connection[Any], wait: float) -> int | None:
    """A's backend pid, or None when no answer came within `wait` seconds (A is then unusable)."""
    pgconn = conn.pgconn
    pgconn.send_query(_PID)
    deadline = time.monotonic() + wait
    while pgconn.is_busy():
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([pgconn.socket], [], [], remaining)[0]:
            return None
        pgconn.consume_input()
    pid = None
    while (result := pgconn.get_result()) is not None:
        value = result.get_value(0, 0) if result.status == psycopg.pq.ExecStatus.TUPLES_OK else None
        pid = int(value) if value is not None else pid
    if pid is None:
        raise psycopg.OperationalError(f"the pooler check could not read the backend pid: {pgconn.error_message!r}")
    return pid
