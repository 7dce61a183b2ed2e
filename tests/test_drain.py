"""SIGTERM to one of two instances behind a real HAProxy loses no request: the instance reports
"draining" on /health, HAProxy takes it out, and only then does it stop accepting."""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from tests.api import make_token
from tests.haproxy import HAProxy, haproxy
from tests.live import LiveServer, app_settings, live_app, live_server, migrated_database
from tests.postgres import Database

CLIENTS = 4
DRAIN_SECONDS = "2"  # > HAProxy's inter 200 ms x fall 2, with room for a slow check


@dataclass
class Tally:
    """What the clients saw; guarded by `lock`."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    served_by: Counter[str] = field(default_factory=Counter)
    acknowledged: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)

    @property
    def made(self) -> int:
        return sum(self.served_by.values()) + len(self.failures)


def create_once(proxy: HAProxy, token: str, tally: Tally) -> None:
    """One create with an Idempotency-Key through HAProxy, no retry: anything but a 201 fails."""
    key = str(uuid.uuid4())
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key, "Content-Type": "application/json"}
    conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=20)
    try:
        conn.request("POST", "/api/v1/tasks", json.dumps({"title": key}), headers)
        response = conn.getresponse()
        body = response.read()
        outcome = None if response.status == 201 else f"{response.status} {body[:120]!r}"
        server = response.getheader("X-Served-By", "?")
    except OSError as exc:  # reset, closed without an answer, timeout
        outcome, server = f"{type(exc).__name__}: {exc}", "?"
    finally:
        conn.close()
    with tally.lock:
        if outcome is None:
            tally.served_by[server] += 1
            tally.acknowledged.add(key)
        else:
            tally.failures.append(outcome)


def hammer(proxy: HAProxy, token: str, stop: threading.Event, tally: Tally) -> None:
    while not stop.is_set():
        create_once(proxy, token, tally)


@dataclass
class Observed:
    """What the test saw of instance `a` around its SIGTERM."""

    served_before_sigterm: int = 0
    served_during_grace: int = 0
    made_before_sigterm: int = 0
    made_during_shutdown: int = 0
    health_during_grace: dict[str, str] = field(default_factory=dict)
    exit_status: int | None = None
    clients_finished: bool = False
    stored: set[str] = field(default_factory=set)


def wait_for(condition: Callable[[], bool], limit: float, what: str) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {limit} s: {what}")
        time.sleep(0.02)


def health_of(server: LiveServer) -> dict[str, str]:
    try:
        return server.request("GET", "/health", timeout=2).json()  # type: ignore[no-any-return]
    except OSError:
        return {}


def health_once_draining(server: LiveServer, limit: float) -> dict[str, str]:
    """/health's answer once it says "draining" (the master takes the SIGTERM from its queue a
    moment after it arrives), or its last answer after `limit` seconds."""
    deadline = time.monotonic() + limit
    while (health := health_of(server)).get("status") != "draining" and time.monotonic() < deadline:
        time.sleep(0.02)
    return health


def terminate_under_load(database: Database, drain_seconds: str) -> tuple[Tally, Observed]:
    """Two instances behind HAProxy, clients creating through it; SIGTERM to instance `a` once it
    has served some of them. Returns what the clients saw and what was observed of `a`."""
    user_id = f"drain-{uuid.uuid4().hex[:8]}"
    tally, stop, seen = Tally(), threading.Event(), Observed()
    with ExitStack() as stack:
        url = stack.enter_context(migrated_database(database.url))
        settings = app_settings(url, DRAIN_SECONDS=drain_seconds)
        a, b = (stack.enter_context(live_server(settings)) for _ in range(2))
        proxy = stack.enter_context(haproxy({"a": a.base_url, "b": b.base_url}))
        clients = [
            threading.Thread(target=hammer, args=(proxy, make_token(user_id), stop, tally))
            for _ in range(CLIENTS)
        ]
        for client in clients:
            client.start()
        try:
            wait_for(lambda: tally.served_by["a"] >= 20 and tally.served_by["b"] >= 20, 20, "both serve")
            a.process.send_signal(signal.SIGTERM)
            with tally.lock:
                seen.made_before_sigterm, seen.served_before_sigterm = tally.made, tally.served_by["a"]
            seen.health_during_grace = health_once_draining(a, limit=float(drain_seconds) / 2)
            seen.exit_status = a.process.wait(timeout=60)
            with tally.lock:
                seen.made_during_shutdown = tally.made - seen.made_before_sigterm
                seen.served_during_grace = tally.served_by["a"] - seen.served_before_sigterm
                b_at_exit = tally.served_by["b"]
            wait_for(lambda: tally.served_by["b"] >= b_at_exit + 20, 20, "b serves on after a exited")
        finally:
            stop.set()
            for client in clients:
                client.join(30)
        seen.clients_finished = not any(client.is_alive() for client in clients)
        with psycopg.connect(url) as conn:
            rows = conn.execute("SELECT title FROM tasks WHERE user_id = %s", (user_id,)).fetchall()
        seen.stored = {title for (title,) in rows}
    return tally, seen


def test_sigterm_behind_haproxy_loses_no_request(database: Database) -> None:
    tally, seen = terminate_under_load(database, DRAIN_SECONDS)

    print(
        f"\ndrain: requests={tally.made} served_by={dict(tally.served_by)} "
        f"failures={len(tally.failures)} during_shutdown={seen.made_during_shutdown} "
        f"a_during_grace={seen.served_during_grace}"
    )
    assert seen.clients_finished
    assert tally.failures == []
    assert seen.health_during_grace == {"status": "draining", "database": "ok"}
    assert seen.exit_status == 0
    assert seen.served_before_sigterm > 0
    assert seen.served_during_grace > 0  # still serving until HAProxy took it out
    assert seen.made_during_shutdown > 0  # the load went on while `a` shut down
    assert seen.stored == tally.acknowledged


def workers_of(server: LiveServer) -> set[int]:
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text()
    return {int(pid) for pid in children.split()}


def test_a_worker_forked_during_the_drain_reports_draining(database: Database) -> None:
    with live_app(database.url, DRAIN_SECONDS="120", WEB_CONCURRENCY="1") as server:
        (first,) = workers_of(server)
        server.process.send_signal(signal.SIGTERM)
        assert health_once_draining(server, limit=10).get("status") == "draining"
        os.kill(first, signal.SIGKILL)  # the master forks a replacement
        wait_for(lambda: len(workers_of(server) - {first}) == 1, 10, "a new worker is forked")
        wait_for(lambda: health_of(server) != {}, 10, "the new worker answers")

        assert health_of(server) == {"status": "draining", "database": "ok"}


def test_a_second_sigterm_during_the_drain_stops_at_once(database: Database) -> None:
    with live_app(database.url, DRAIN_SECONDS="120") as server:
        server.process.send_signal(signal.SIGTERM)
        assert health_once_draining(server, limit=10).get("status") == "draining"
        server.process.send_signal(signal.SIGTERM)

        # well before the 120 s grace period would end
        assert server.process.wait(timeout=30) == 0
