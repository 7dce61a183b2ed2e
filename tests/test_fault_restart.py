"""Fault test: creates with Idempotency-Keys against real gunicorn while PostgreSQL restarts
(fast, then immediate): every acknowledged create exists exactly once, none is duplicated, and
the service answers again within seconds of the database."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import psycopg
import pytest

from tests.api import make_token
from tests.live import LiveServer, app_settings, live_server
from tests.postgres import Database
from tests.restartable import restartable_database

WRITERS = 4
RECOVERY_LIMIT = 5.0  # seconds from the database being back to a 2xx
RETRY_AFTER_CAP = 1.0  # honour Retry-After, but a test need not wait longer than this


@pytest.fixture(scope="module")
def fault_db() -> Iterator[Database]:
    with restartable_database() as db:
        yield db


@pytest.fixture(scope="module")
def server(fault_db: Database) -> Iterator[LiveServer]:
    settings = {"WEB_THREADS": "4", "DB_POOL_TIMEOUT": "1", "LOG_LEVEL": "ERROR"}
    with live_server(app_settings(fault_db.url, **settings)) as live:
        yield live


@dataclass
class Tally:
    """What the writers saw; guarded by `lock`."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    attempted: int = 0
    acknowledged: dict[str, str] = field(default_factory=dict)  # key -> task id of the 2xx answer
    retried: set[str] = field(default_factory=set)
    replayed: int = 0
    unexpected: list[str] = field(default_factory=list)
    ack_times: list[float] = field(default_factory=list)


def writer(server: LiveServer, token: str, stop: threading.Event, give_up_at: float, tally: Tally) -> None:
    while not stop.is_set():
        key = str(uuid.uuid4())
        headers = {
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": key,
            "Content-Type": "application/json",
        }
        with tally.lock:
            tally.attempted += 1
        while True:  # the same create, with the same key, until it is acknowledged
            try:
                reply = server.request("POST", "/api/v1/tasks", {"title": key}, headers)
                status, response_headers, body = reply.status, dict(reply.headers), reply.body
            except OSError:  # connection refused/reset, timeout: the answer is unknown, retry
                status, response_headers, body = 0, {}, b""
            if status == 201:
                with tally.lock:
                    tally.acknowledged[key] = json.loads(body)["id"]
                    tally.ack_times.append(time.monotonic())
                    tally.replayed += response_headers.get("Idempotent-Replayed") == "true"
                break
            if status not in (0, 409, 503):
                with tally.lock:
                    tally.unexpected.append(f"{status} {body[:200]!r}")
                break
            with tally.lock:
                tally.retried.add(key)
            if time.monotonic() > give_up_at:
                return  # attempted but never acknowledged: it may or may not exist, both are fine
            time.sleep(min(float(response_headers.get("Retry-After", "0.1")), RETRY_AFTER_CAP))


def test_restarts_under_load_lose_and_duplicate_nothing(fault_db: Database, server: LiveServer) -> None:
    assert fault_db.cluster is not None
    user_id = f"fault-{uuid.uuid4().hex[:8]}"
    token, tally, stop = make_token(user_id), Tally(), threading.Event()
    give_up_at = time.monotonic() + 60
    threads = [
        threading.Thread(target=writer, args=(server, token, stop, give_up_at, tally)) for _ in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    back_at: dict[str, float] = {}
    try:
        time.sleep(1.5)
        for mode in ("fast", "immediate"):
            fault_db.cluster.restart(mode)
            back_at[mode] = time.monotonic()
            time.sleep(2.0)
    finally:
        stop.set()
        for thread in threads:
            thread.join(70)

    with psycopg.connect(fault_db.url) as conn:
        stored = conn.execute(
            "SELECT title, array_agg(id::text) FROM tasks WHERE user_id = %s GROUP BY title", (user_id,)
        ).fetchall()
    ids_by_key = dict(stored)
    acknowledged = tally.acknowledged
    found = sum(1 for key in acknowledged if key in ids_by_key)
    duplicated = sum(1 for ids in ids_by_key.values() if len(ids) > 1)
    lost = sum(1 for key, task_id in acknowledged.items() if ids_by_key.get(key) != [task_id])
    recovery = {
        mode: min((t for t in tally.ack_times if t >= at), default=float("inf")) - at
        for mode, at in back_at.items()
    }
    print(
        f"\nfault test: attempted={tally.attempted} acknowledged={len(acknowledged)} "
        f"retried={len(tally.retried)} replayed={tally.replayed} found={found} "
        f"duplicated={duplicated} lost={lost} stored={sum(len(ids) for ids in ids_by_key.values())} "
        + " ".join(f"recovered_after_{mode}={seconds:.2f}s" for mode, seconds in recovery.items())
    )
    assert tally.unexpected == []
    assert lost == 0
    assert duplicated == 0
    assert found == len(acknowledged) > 0
    assert tally.retried, "no request hit the restarts: the test proved nothing"
    assert all(seconds < RECOVERY_LIMIT for seconds in recovery.values()), recovery
