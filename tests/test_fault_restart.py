"""Fault test: creates with Idempotency-Keys against real gunicorn while PostgreSQL restarts
(fast, then immediate): every acknowledged create exists exactly once, none is duplicated, and
the service answers again within seconds of the database."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from tests.api import TEST_SECRET, make_token
from tests.postgres import Database
from tests.restartable import restartable_database

ROOT = Path(__file__).resolve().parent.parent
WRITERS = 4
RECOVERY_LIMIT = 5.0  # seconds from the database being back to a 2xx
RETRY_AFTER_CAP = 1.0  # honour Retry-After, but a test need not wait longer than this


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Gunicorn:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def request(
        self, method: str, path: str, body: dict | None = None, headers: dict | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(
                method, path, body=json.dumps(body) if body is not None else None, headers=headers or {}
            )
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()


@pytest.fixture(scope="module")
def fault_db() -> Iterator[Database]:
    with restartable_database() as db:
        yield db


@pytest.fixture(scope="module")
def server(fault_db: Database) -> Iterator[Gunicorn]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": fault_db.url,
        "JWT_SECRET": TEST_SECRET,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "WEB_THREADS": "4",
        "DB_POOL_TIMEOUT": "1",
        "LOG_LEVEL": "ERROR",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("PORT", None)
    with tempfile.NamedTemporaryFile(prefix="taskapi-gunicorn-", suffix=".log", delete=False) as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "taskapi.app:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Gunicorn(port, process, Path(log.name))
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if server.request("GET", "/health")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("gunicorn did not start:\n" + server.log.read_text()[-3000:])
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        server.log.unlink(missing_ok=True)


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


def writer(server: Gunicorn, token: str, stop: threading.Event, give_up_at: float, tally: Tally) -> None:
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
                status, response_headers, body = server.request(
                    "POST", "/api/v1/tasks", {"title": key}, headers
                )
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


def test_restarts_under_load_lose_and_duplicate_nothing(fault_db: Database, server: Gunicorn) -> None:
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
