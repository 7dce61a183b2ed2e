"""The delivery worker (`python -m taskapi deliver`): leases due deliveries (FOR UPDATE SKIP LOCKED,
so any number of workers on any number of machines share the work), sends each signed, records the
attempt and schedules the retry; wakes on NOTIFY, on the retries it scheduled, and at least every
WEBHOOK_POLL_SECONDS. SIGTERM or SIGINT: no new attempts; the ones in flight finish (each within
the connect and read timeouts), then it exits. A thread that finishes a subscription's delivery
goes straight on with the subscription's next one, claimed by the statement that recorded the
attempt (up to CHAIN_LIMIT in a row), so a busy subscription costs one round trip per event."""

from __future__ import annotations

import heapq
import logging
import os
import signal
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

import psycopg

from taskapi.config import Config
from taskapi.db import Database, DatabaseUnavailable, load_queries
from taskapi.store.outbox import DeliveryQueue, Lease, Outcome
from taskapi.webhooks import backoff
from taskapi.webhooks.listener import Listener
from taskapi.webhooks.payload import event_body
from taskapi.webhooks.sender import Answer, Sender, signed_headers
from taskapi.webhooks.targets import TargetPolicy

log = logging.getLogger("taskapi.webhooks")
PURGE_BATCH = 500  # old attempts and events deleted per purge of a user: bounded work
PURGE_EVERY_SECONDS = 30.0  # a user's old rows are purged at most this often (by each worker)
DATABASE_RETRY_SECONDS = 0.5
# a thread goes back to the claim after this many of one subscription's deliveries in a row, so
# with more busy subscriptions than threads each still gets its turn (the claim takes the longest due)
CHAIN_LIMIT = 50


class Worker:
    def __init__(self, config: Config, parent_pid: int | None = None) -> None:
        self.config = config
        self.threads = config.webhook_worker_threads
        # one connection per delivery thread, and one for the claims
        self.db = Database(replace(config, db_pool_min_size=1, db_pool_max_size=self.threads + 1))
        self.queue = DeliveryQueue(self.db, load_queries())
        policy = TargetPolicy(config.webhook_allow_http, config.webhook_allow_private)
        self.sender = Sender(
            policy, config.webhook_connect_timeout_seconds, config.webhook_read_timeout_seconds
        )
        # longer than any attempt takes: a lease runs out only when its worker died
        self.lease_seconds = 2 * self.sender.longest_seconds + 1
        self.parent_pid = parent_pid
        self.stopping = threading.Event()
        self.wake = threading.Event()
        self._lock = threading.Lock()
        self._in_flight = 0
        self._retries: list[float] = []  # monotonic times of the retries this worker scheduled
        self._database_back_at = 0.0
        self._purged_at: dict[str, float] = {}

    def run(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stop())
        self.db.open()
        listener = Listener(self.config.database_url, self.wake.set, self.stopping, connect_timeout=5)
        listener.start()
        log.info("webhook worker started (%d delivery threads)", self.threads)
        try:
            with ThreadPoolExecutor(self.threads, thread_name_prefix="webhook") as pool:
                while not self.stopping.is_set():
                    self.wake.clear()
                    self._claim_into(pool)
                    self.wake.wait(self._sleep_seconds())
                    self._check_parent()
            # leaving the `with` waited for the attempts in flight
        finally:
            self.sender.close()
            self.db.close()
        log.info("webhook worker stopped")

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()

    def _check_parent(self) -> None:
        """Started by `serve` beside gunicorn: stop when gunicorn is gone."""
        if self.parent_pid is not None and os.getppid() != self.parent_pid:
            self.stop()

    def _claim_into(self, pool: ThreadPoolExecutor) -> None:
        with self._lock:
            free = self.threads - self._in_flight
        if free <= 0 or time.monotonic() < self._database_back_at:
            return
        try:
            leases = self.queue.claim(free, self.lease_seconds)
        except (DatabaseUnavailable, psycopg.Error) as exc:
            log.warning("webhook claim failed (%s); trying again shortly", exc)
            self._database_back_at = time.monotonic() + DATABASE_RETRY_SECONDS
            return
        for lease in leases:
            with self._lock:
                self._in_flight += 1
            pool.submit(self._deliver, lease).add_done_callback(self._finished)

    def _finished(self, future: Future[None]) -> None:
        with self._lock:
            self._in_flight -= 1
        if (exc := future.exception()) is not None:
            log.error("webhook delivery crashed: %r", exc)
        self.wake.set()  # a thread is free, and the subscription's next event may be due

    def _sleep_seconds(self) -> float:
        now = time.monotonic()
        with self._lock:
            while self._retries and self._retries[0] <= now:
                heapq.heappop(self._retries)
            until_retry = self._retries[0] - now if self._retries else float("inf")
        sleep = min(self.config.webhook_poll_seconds, until_retry, max(self._database_back_at - now, 0.01))
        if self.parent_pid is not None:
            sleep = min(sleep, 1.0)
        return max(sleep, 0.01)

    def _deliver(self, lease: Lease) -> None:
        """Attempt `lease`, then the subscription's next deliveries as recording each claims them."""
        next_lease: Lease | None = lease
        for n in range(CHAIN_LIMIT):
            if next_lease is None:
                return
            go_on = n + 1 < CHAIN_LIMIT and not self.stopping.is_set()
            next_lease = self._attempt(next_lease, go_on)

    def _attempt(self, lease: Lease, claim_next: bool) -> Lease | None:
        """Send and record one attempt; the next delivery it claimed, if asked to and there is one."""
        try:
            event = lease.event
            body = event_body(event)
            headers = signed_headers(event["secret"], str(event["id"]), body)
            answer = self.sender.send(event["url"], headers, body)
            outcome = self.outcome(event["type"], lease.attempt, answer)
            if answer.status_code == 410:
                self.queue.disable(lease.user_id, lease.subscription_id)
            state, next_lease = self.queue.record(
                lease,
                outcome,
                self.config.webhook_retry_hours * 3600,
                self.lease_seconds if claim_next else None,
            )
            self._log(lease, outcome, state)
            if state == "pending":
                assert outcome.retry_in_seconds is not None
                self._schedule(outcome.retry_in_seconds)
            elif state is not None:
                self._purge(lease.user_id)
        except (DatabaseUnavailable, psycopg.Error) as exc:
            # the lease runs out and the attempt is made again: at least once
            log.warning("webhook delivery of event %s not recorded (%s)", lease.event_id, exc)
            return None
        return next_lease

    def _purge(self, user_id: str) -> None:
        """Now and then, as a user's deliveries finish, delete their rows past the retention period."""
        now = time.monotonic()
        with self._lock:
            if now - self._purged_at.get(user_id, -PURGE_EVERY_SECONDS) < PURGE_EVERY_SECONDS:
                return
            if len(self._purged_at) > 100_000:  # forget the users purged longest ago
                self._purged_at = {u: t for u, t in self._purged_at.items() if now - t < PURGE_EVERY_SECONDS}
            self._purged_at[user_id] = now
        self.queue.purge(user_id, self.config.webhook_log_retention_days * 86400, PURGE_BATCH)

    def outcome(self, event_type: str, attempt: int, answer: Answer) -> Outcome:
        """Delivered on a 2xx; failed on a 410; else retried (record() fails it when the retry
        window is over)."""
        status = answer.status_code
        retry_in = None
        if status is not None and 200 <= status < 300:
            state = "delivered"
        elif status == 410:
            state = "failed"
        else:
            state = "pending"
            retry_in = backoff.delay(attempt, self.config.webhook_retry_base_seconds, answer.retry_after)
        return Outcome(event_type, state, status, answer.error, answer.duration_ms, retry_in)

    @staticmethod
    def _log(lease: Lease, outcome: Outcome, state: str | None) -> None:
        if state is None:
            log.warning("webhook lease of event %s ran out before its attempt was recorded", lease.event_id)
            return
        log.log(
            logging.DEBUG if state == "delivered" else logging.INFO,
            "webhook %s event %s attempt %d: %s -> %s",
            outcome.event_type,
            lease.event_id,
            lease.attempt,
            outcome.status_code if outcome.status_code is not None else outcome.error,
            state,
        )

    def _schedule(self, delay: float) -> None:
        with self._lock:
            heapq.heappush(self._retries, time.monotonic() + delay)
        self.wake.set()
