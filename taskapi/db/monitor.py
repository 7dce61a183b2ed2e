"""Readiness: a background thread per worker pings the database on a connection of its own, and
GET /health answers from its latest state, instantly, without a request's pool connection."""

from __future__ import annotations

import logging
import threading
import time

import psycopg

from taskapi import drain
from taskapi.telemetry import DATABASE_REACHABLE, READY

PING_INTERVAL_SECONDS = 1.0
# a ping on the open connection takes milliseconds; one that has not succeeded this long after it
# was due counts as failed (it may hang on a stopped or unreachable server)
PING_TIMEOUT_SECONDS = 0.5
CONNECT_TIMEOUT_SECONDS = 2  # libpq's smallest

log = logging.getLogger("taskapi.db.monitor")


class DatabaseMonitor:
    """Pings the database every second; `database()` says "ok", "failing" (pings fail, but not
    for longer than `window` seconds yet: a blip, still ready) or "unavailable"."""

    def __init__(self, database_url: str, window: float) -> None:
        self.database_url = database_url
        self.window = window
        self._last_ok: float | None = None  # monotonic time of the latest successful ping
        self._first_ping = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None

    def start(self) -> None:
        """Start the pings (after gunicorn's fork: a thread does not survive it); idempotent."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="taskapi-readiness", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(CONNECT_TIMEOUT_SECONDS + 1)

    def database(self) -> str:
        self.start()  # in-process (tests, tools) the first question starts the pings
        self._first_ping.wait(CONNECT_TIMEOUT_SECONDS + 1)  # only the very first answer waits
        if self._last_ok is None:
            return "unavailable"  # never reached: not ready yet
        failing_for = time.monotonic() - (self._last_ok + PING_INTERVAL_SECONDS + PING_TIMEOUT_SECONDS)
        if failing_for <= 0:
            return "ok"
        return "failing" if failing_for <= self.window else "unavailable"

    def ready(self) -> bool:
        return not drain.draining() and self.database() != "unavailable"

    def _run(self) -> None:
        was_reachable = True
        while not self._stopping.is_set():
            try:
                reachable = self._ping()
            except Exception:  # the thread must outlive anything a ping raises
                log.exception("database ping raised")
                self._discard()
                reachable = False
            if reachable:
                self._last_ok = time.monotonic()
            elif was_reachable:
                log.warning("database ping failed; /health reports it after %s s", self.window)
            if reachable and not was_reachable:
                log.info("database ping succeeded again")
            was_reachable = reachable
            self._first_ping.set()
            DATABASE_REACHABLE.set(reachable)
            READY.set(self.ready())
            self._stopping.wait(PING_INTERVAL_SECONDS)
        self._discard()

    def _ping(self) -> bool:
        reconnected = self._conn is None
        try:
            if self._conn is None:
                self._conn = psycopg.connect(
                    self.database_url,
                    autocommit=True,
                    connect_timeout=CONNECT_TIMEOUT_SECONDS,
                    application_name="taskapi-readiness",
                )
            self._conn.execute("SELECT 1")
            return True
        except psycopg.Error:
            self._discard()
            # a connection that broke with a restart: try a new one now rather than a second later
            return False if reconnected else self._ping()

    def _discard(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
