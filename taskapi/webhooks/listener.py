"""LISTEN for the outbox's NOTIFY on a connection of its own, reconnecting whenever it is lost."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg

CHANNEL = "taskapi_webhooks"  # what migrations/0007's enqueue trigger and sql/webhooks/retry.sql notify
log = logging.getLogger("taskapi.webhooks")


class Listener(threading.Thread):
    """Calls `on_notify` for every notification, and once on each (re)connect (what was committed
    while nobody listened is due too)."""

    def __init__(
        self, conninfo: str, on_notify: Callable[[], None], stopping: threading.Event, connect_timeout: int
    ) -> None:
        super().__init__(name="webhook-listener", daemon=True)
        self.conninfo = conninfo
        self.on_notify = on_notify
        self.stopping = stopping
        self.connect_timeout = connect_timeout

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self._listen()
            except psycopg.Error as exc:
                log.warning("webhook listener lost its connection (%s); reconnecting", str(exc).strip())
                self.stopping.wait(0.5)

    def _listen(self) -> None:
        with psycopg.connect(
            self.conninfo,
            autocommit=True,
            connect_timeout=self.connect_timeout,
            application_name="taskapi-deliver",
        ) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            self.on_notify()
            while not self.stopping.is_set():
                for _ in conn.notifies(timeout=0.5):
                    self.on_notify()
