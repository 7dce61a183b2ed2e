"""The database's ceiling runs the API's own SQL: record what one request executes, as pgbench scripts.

The app runs in-process with a connection class that records every statement (rendered with its
values by psycopg's client-side binding) and every transaction boundary; each recorded request
becomes one pgbench script, so pgbench runs exactly the statements, values and transactions of the
API, minus HTTP, JSON and Python.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import falcon.testing
from psycopg import ClientCursor, Transaction
from psycopg.pq import TransactionStatus

from taskapi.db import pool as db

_recording: list[str] | None = None
# the new tasks' rows, a JSON array the INSERT reads with jsonb_to_recordset: each gets a fresh id
_NEW_ROWS = re.compile(r"jsonb_to_recordset\(('(?:[^']|'')*'(?:::jsonb)+)\)")


def _fresh_ids(match: re.Match[str]) -> str:
    # `"key": value`, not `"key":value`: pgbench -M prepared reads `:value` as one of its variables
    rows = match.group(1).replace('":', '": ')
    fresh = "jsonb_agg(e || jsonb_build_object('id', gen_random_uuid()))"
    return f"jsonb_to_recordset((SELECT {fresh} FROM jsonb_array_elements({rows}) AS e))"  # noqa: S608 - the recorded literal


class RecordingConnection(db.PooledConnection):
    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        if _recording is not None:
            _recording.append(ClientCursor(self).mogrify(query, params).strip().rstrip(";"))
        return super().execute(query, params, **kwargs)

    @contextmanager
    def transaction(self, *args: Any, **kwargs: Any) -> Iterator[Transaction]:
        outermost = self.info.transaction_status == TransactionStatus.IDLE
        begin, end = ("BEGIN", "COMMIT") if outermost else ("SAVEPOINT s", "RELEASE SAVEPOINT s")
        if _recording is not None:
            _recording.append(begin)
        with super().transaction(*args, **kwargs) as tx:
            yield tx
        if _recording is not None:
            _recording.append(end)


def install() -> None:
    """Make apps created from now on use the recording connection class."""
    db.PooledConnection = RecordingConnection  # type: ignore[misc]


def record(call: Callable[[], falcon.testing.Result]) -> str:
    """The statements one request runs, as a pgbench script; a created task gets a fresh id each run."""
    global _recording
    _recording = []
    try:
        result = call()
        statements = _recording
    finally:
        _recording = None
    if result.status_code >= 400:
        raise RuntimeError(f"capturing a request failed: {result.status_code} {result.text}")
    fresh = [_NEW_ROWS.sub(_fresh_ids, s) for s in statements]
    return "".join(f"{s};\n" for s in fresh)
