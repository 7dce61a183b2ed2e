"""Is a transaction- or statement-mode pooler (PgBouncer, Neon "-pooler") in front of PostgreSQL?"""

from __future__ import annotations

import select
import time
from contextlib import closing
from typing import Any

import psycopg

# How long one read may wait for a server connection before we call it a pooler. Directly on
# PostgreSQL a client connection has its own backend and never waits for one; behind a pooler
# whose every server connection is taken it waits, here for our own held transaction: forever.
DETECT_WAIT_SECONDS = 1.0
# Rounds of the check: directly on PostgreSQL none ever finds anything; behind a pooler one
# round can miss only when other clients take the server connections we aimed at.
ROUNDS = 3
_PID = b"SELECT pg_backend_pid()"


def behind_transaction_pooler(conninfo: str, connect_timeout: int, wait: float = DETECT_WAIT_SECONDS) -> bool:
    """True when server connections are handed out per transaction (or per statement).

    Two client connections, A and B. Read A's backend pid; open a transaction on B and hold it,
    which pins a server connection (the one A just used when the pooler reuses them LIFO, as
    PgBouncer does); read A's pid again; end B's transaction (its server connection is now the
    most recently used) and read A's pid once more. Directly on PostgreSQL (or through a
    session-mode pooler) A keeps its backend, whose pid B never sees. Behind a transaction pooler
    A moves to another server connection, B sees A's pid, or a read waits for a free server
    connection (after `wait` seconds: a pooler). Costs two connections and a few round trips.
    Raises psycopg.Error when the database cannot be reached: the answer is unknown."""
    options: dict[str, Any] = {
        "autocommit": True,
        "connect_timeout": connect_timeout,
        "application_name": "taskapi",
    }
    # closing(), not the connections' own `with`: that would wait for an unanswered read to end
    with (
        closing(psycopg.connect(conninfo, **options)) as a,
        closing(psycopg.connect(conninfo, **options)) as b,
    ):
        own = _answer(a, _PID, wait)
        if own is None:
            raise psycopg.OperationalError("the pooler check got no answer in time")
        for _ in range(ROUNDS):
            try:
                held = _answer(b, b"BEGIN; " + _PID, wait)
            except psycopg.Error:
                return True  # a statement-mode pooler refuses transactions
            if held in (None, own) or _answer(a, _PID, wait) != own:
                return True
            _answer(b, b"ROLLBACK", wait)
            if _answer(a, _PID, wait) != own:
                return True
        return False


def _answer(conn: psycopg.Connection[Any], query: bytes, wait: float) -> str | None:
    """The first value of the last row `query` returns ("" when none), or None when no answer came
    within `wait` seconds (the connection is then unusable). Raises psycopg.Error on an error."""
    pgconn = conn.pgconn
    pgconn.send_query(query)  # the simple protocol: several statements in one string
    deadline = time.monotonic() + wait
    while pgconn.is_busy():
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([pgconn.socket], [], [], remaining)[0]:
            return None
        pgconn.consume_input()
    value, error = "", None
    while (result := pgconn.get_result()) is not None:
        if result.status == psycopg.pq.ExecStatus.TUPLES_OK and result.ntuples:
            value = (result.get_value(result.ntuples - 1, 0) or b"").decode()
        elif result.status not in (psycopg.pq.ExecStatus.TUPLES_OK, psycopg.pq.ExecStatus.COMMAND_OK):
            error = (result.error_message or b"").decode(errors="replace").strip()
    if error is not None:
        raise psycopg.OperationalError(f"the pooler check's {query.decode()!r} failed: {error}")
    return value
