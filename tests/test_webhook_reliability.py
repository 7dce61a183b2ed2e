"""Webhook workers as real processes under trouble: SIGKILL in mid-delivery loses nothing, two
workers deliver each event once, a PostgreSQL restart is survived, a slow receiver holds up no
other subscription, SIGTERM finishes the attempt in flight, and `serve` runs a worker beside gunicorn."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid
from collections import Counter

from taskapi.app import TaskApp
from tests.api import Api, make_token
from tests.live import app_settings, live_server
from tests.restartable import restartable_database
from tests.webhooks import (
    WORKER_ENV,
    Received,
    Reply,
    hook_app,
    receiver,
    subscribe,
    user_api,
    wait_for_log,
    worker_process,
)


def new_user(webhook_app: TaskApp) -> Api:
    return user_api(webhook_app, f"user-{uuid.uuid4().hex[:12]}")


def ids(received: list[Received]) -> Counter[str]:
    return Counter(r.headers["webhook-id"] for r in received)


def test_a_worker_killed_mid_delivery_loses_nothing_after_a_restart(
    hook_db: str, webhook_app: TaskApp
) -> None:
    arrived = threading.Event()

    def slow(_: Received) -> Reply:
        arrived.set()
        return (200, {}, 0.3)

    user = new_user(webhook_app)
    with receiver(slow) as hook:
        subscribe(user, hook.url)
        with worker_process(hook_db) as first:
            for n in range(10):
                user.create(title=f"task {n}")
            assert arrived.wait(15)
            first.process.send_signal(signal.SIGKILL)  # an attempt is in flight
            first.process.wait()
        sent_before_restart = len(hook.received)
        with worker_process(hook_db):
            received = hook.wait_for(10 + 1, timeout=30)  # one re-send: the attempt the kill cut off
            time.sleep(0.5)  # nothing more comes
    counts = ids(hook.received)
    assert len(counts) == 10
    assert sum(counts.values()) - 10 <= 1, counts
    assert sent_before_restart < 10
    titles = [json.loads(r.body)["data"]["title"] for r in received]
    assert sorted(set(titles), key=titles.index) == [f"task {n}" for n in range(10)]  # in order


def test_two_workers_at_once_deliver_each_event_once(hook_db: str, webhook_app: TaskApp) -> None:
    users = [new_user(webhook_app) for _ in range(4)]
    # one delivery at a time per worker, each taking a while: four subscriptions need both workers
    env = {"LOG_LEVEL": "DEBUG", "WEBHOOK_WORKER_THREADS": "1"}
    with receiver(lambda _: (200, {}, 0.05)) as hook:
        for user in users:
            subscribe(user, hook.url)
        with worker_process(hook_db, **env) as one, worker_process(hook_db, **env) as two:
            for n in range(10):
                for user in users:
                    user.create(title=f"task {n}")
            hook.wait_for(40, timeout=30)
            time.sleep(0.5)  # nothing more comes
            logs = one.output(), two.output()
    counts = ids(hook.received)
    assert len(counts) == 40 and set(counts.values()) == {1}
    # both took part: the work was really shared
    assert all(log.count("-> delivered") > 0 for log in logs), [log.count("-> delivered") for log in logs]
    for user in users:
        mine = [
            json.loads(r.body) for r in hook.received if json.loads(r.body)["data"]["user_id"] == user.user_id
        ]
        assert [e["data"]["title"] for e in mine] == [f"task {n}" for n in range(10)]


def test_the_worker_reconnects_by_itself_after_a_postgresql_restart() -> None:
    with restartable_database() as db, receiver() as hook, worker_process(db.url):
        webhook_app = hook_app(db.url)
        try:
            user = user_api(webhook_app, "restart-user")
            subscribe(user, hook.url)
            user.create(title="before")
            hook.wait_for(1)
            db.cluster.restart("fast")
            deadline = time.monotonic() + 20
            while user.request("POST", "/api/v1/tasks", json={"title": "after"}).status_code != 201:
                assert time.monotonic() < deadline, "the webhook_app did not come back"
                time.sleep(0.2)
            received = hook.wait_for(2, timeout=20)
        finally:
            webhook_app.close()
    assert [json.loads(r.body)["data"]["title"] for r in received][-1] == "after"


def test_a_slow_receiver_does_not_hold_up_other_subscriptions(hook_db: str, webhook_app: TaskApp) -> None:
    slow_in_progress = threading.Event()

    def sleeps_past_the_read_timeout(_: Received) -> Reply:
        slow_in_progress.set()
        time.sleep(2.5)  # the read timeout is 1 s
        slow_in_progress.clear()
        return (200, {}, 0.0)

    slow_user, fast_user = new_user(webhook_app), new_user(webhook_app)
    fast_seen_while_slow: list[bool] = []

    def fast(_: Received) -> Reply:
        fast_seen_while_slow.append(slow_in_progress.is_set())
        return (200, {}, 0.0)

    with receiver(sleeps_past_the_read_timeout) as slow, receiver(fast) as quick, worker_process(hook_db):
        slow_subscription = subscribe(slow_user, slow.url)
        subscribe(fast_user, quick.url)
        slow_user.create()
        assert slow_in_progress.wait(15)
        fast_user.create()
        quick.wait_for(1)
        log = wait_for_log(slow_user, slow_subscription["id"], lambda log: len(log) >= 1)
    assert fast_seen_while_slow[0] is True
    assert log[-1]["error"] == "timed out"


def test_sigterm_lets_the_attempt_in_flight_finish(hook_db: str, webhook_app: TaskApp) -> None:
    arrived = threading.Event()

    def slow(_: Received) -> Reply:
        arrived.set()
        return (200, {}, 0.5)

    user = new_user(webhook_app)
    with receiver(slow) as hook:
        subscription = subscribe(user, hook.url)
        with worker_process(hook_db) as worker:
            user.create()
            assert arrived.wait(15)
            worker.process.send_signal(signal.SIGTERM)
            assert worker.process.wait(timeout=15) == 0
        log = wait_for_log(user, subscription["id"], lambda log: len(log) >= 1, timeout=2)
    assert [entry["status_code"] for entry in log] == [200]


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_serve_runs_a_delivery_worker_beside_gunicorn_and_stops_it(hook_db: str) -> None:
    command = ["python", "-m", "taskapi", "serve"]
    env = app_settings(hook_db, **WORKER_ENV)
    with receiver() as hook:
        with live_server(env, command=[os.sys.executable, *command[1:]]) as server:
            workers = [pid for pid in _children(server.process.pid) if " deliver " in _cmdline(pid) + " "]
            assert len(workers) == 1
            headers = {"Authorization": f"Bearer {make_token('serve-user')}"}
            created = server.request("POST", "/api/v1/webhooks", {"url": hook.url, "events": ["*"]}, headers)
            assert created.status == 201, created.body
            server.request("POST", "/api/v1/tasks", {"title": "served"}, headers)
            received = hook.wait_for(1)
        deadline = time.monotonic() + 10
        while _cmdline(workers[0]) and "deliver" in _cmdline(workers[0]):
            assert time.monotonic() < deadline, "the worker outlived gunicorn"
            time.sleep(0.1)
    assert json.loads(received[0].body)["data"]["title"] == "served"
