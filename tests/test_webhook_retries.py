"""Failed deliveries: retried with backoff (honouring Retry-After) under the same webhook-id until a
2xx, each attempt in the log; 410 disables the subscription; after the retry window, failed; the
retry endpoint sends an event again; the private-address rule holds at delivery; old logs purged."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import psycopg
import pytest

from taskapi.app import TaskApp
from tests.api import Api
from tests.live import migrated_database
from tests.postgres import Database
from tests.webhooks import (
    Received,
    Reply,
    hook_app,
    receiver,
    subscribe,
    user_api,
    wait_for_log,
    worker_process,
)


@pytest.fixture(scope="module")
def worker(hook_db: str) -> Iterator[None]:
    with worker_process(hook_db):
        yield


@pytest.fixture
def user(webhook_app: TaskApp, worker: None) -> Api:
    return user_api(webhook_app, f"user-{uuid.uuid4().hex[:12]}")


def answers(*replies: Reply) -> object:
    """Answer with `replies` in turn, then 200."""
    queue = list(replies)
    return lambda _: queue.pop(0) if queue else (200, {}, 0.0)


def test_down_then_500_then_200_delivers_the_same_id_and_logs_every_attempt(user: Api) -> None:
    hook = receiver(answers((500, {}, 0.0)), started=False)
    with hook as down:
        subscription = subscribe(user, down.url)
        user.create()
        wait_for_log(user, subscription["id"], lambda log: len(log) >= 1)  # refused: nobody listens
        down.start()
        received = down.wait_for(2)
        log = wait_for_log(user, subscription["id"], lambda log: len(log) >= 3)
    assert received[0].headers["webhook-id"] == received[1].headers["webhook-id"]
    assert [entry["status_code"] for entry in log] == [200, 500, None]  # newest first
    assert log[2]["error"] == "connection refused"
    assert [entry["attempt"] for entry in log] == [3, 2, 1]
    assert {entry["event_id"] for entry in log} == {received[0].headers["webhook-id"]}
    assert log[0]["next_retry_at"] is None and log[1]["next_retry_at"] is not None


def test_retry_after_is_honoured(user: Api) -> None:
    with receiver(answers((503, {"Retry-After": "2"}, 0.0))) as hook:
        subscription = subscribe(user, hook.url)
        user.create()
        log = wait_for_log(user, subscription["id"], lambda log: len(log) >= 2)
    waited = datetime.fromisoformat(log[1]["next_retry_at"]) - datetime.fromisoformat(log[1]["created_at"])
    assert waited.total_seconds() >= 2  # the base is 0.2 s: only Retry-After makes it this long
    assert log[0]["status_code"] == 200


def test_a_410_disables_the_subscription_and_nothing_more_is_sent(user: Api) -> None:
    with receiver(lambda _: (410, {}, 0.0)) as hook:
        subscription = subscribe(user, hook.url)
        user.create()
        log = wait_for_log(user, subscription["id"], lambda log: len(log) >= 1)
        assert log[0]["status_code"] == 410 and log[0]["next_retry_at"] is None
        assert user.request("GET", f"/api/v1/webhooks/{subscription['id']}").json["enabled"] is False
        user.create()
        # re-enabled, the next change is sent again (the receiver still says 410 and disables it)
        user.request("PATCH", f"/api/v1/webhooks/{subscription['id']}", json={"enabled": True})
        user.create(title="after")
        hook.wait_for(2)
    assert json.loads(hook.received[-1].body)["data"]["title"] == "after"


def test_the_retry_endpoint_sends_a_delivered_event_again_with_the_same_id(user: Api) -> None:
    with receiver() as hook:
        subscription = subscribe(user, hook.url)
        user.create()
        first = hook.wait_for(1)[0]
        log = wait_for_log(user, subscription["id"], lambda log: len(log) == 1)
        path = f"/api/v1/webhooks/{subscription['id']}/deliveries/{log[0]['id']}/retry"
        retried = user.request("POST", path)
        assert retried.status_code == 202, retried.text
        assert retried.json == {"event_id": first.headers["webhook-id"]}
        again = hook.wait_for(2)[1]
    assert again.headers["webhook-id"] == first.headers["webhook-id"] and again.body == first.body
    unknown = f"/api/v1/webhooks/{subscription['id']}/deliveries/{uuid.uuid4()}/retry"
    assert user.request("POST", unknown).status_code == 404


def test_a_retry_of_an_older_event_goes_out_within_a_running_chain(user: Api) -> None:
    """The worker chains a busy subscription's events (each answered after 50 ms); a retry of an
    event delivered before the run reopens an event older than the chain's: it is sent once more
    while the run is still going (not left until the run ends), and nothing else twice."""
    with receiver(lambda _: (200, {}, 0.05)) as hook:
        subscription = subscribe(user, hook.url)
        user.create(title="first")
        first = hook.wait_for(1)[0].headers["webhook-id"]
        log = wait_for_log(user, subscription["id"], lambda log: len(log) == 1)
        run = [{"method": "POST", "path": "/api/v1/tasks", "body": {"title": f"t{i}"}} for i in range(20)]
        assert user.request("POST", "/api/v1/batch", json={"operations": run}).status_code == 200
        hook.wait_for(3)  # the chain is under way
        path = f"/api/v1/webhooks/{subscription['id']}/deliveries/{log[0]['id']}/retry"
        assert user.request("POST", path).status_code == 202
        retried_at = len(hook.received)
        ids = [got.headers["webhook-id"] for got in hook.wait_for(22)]
    assert retried_at < 21  # the retry came while the run's events were still going out
    assert ids.count(first) == 2 and len(ids) == 22 and len(set(ids)) == 21
    assert ids.index(first, 1) < len(ids) - 1  # sent within the chain, not after its end


def test_after_the_retry_window_a_delivery_is_failed(hook_db: str, user: Api) -> None:
    def age_then_fail(got: Received) -> Reply:
        # the delivery has been retried for longer than WEBHOOK_RETRY_HOURS by the next attempt
        with psycopg.connect(hook_db) as conn:
            conn.execute(
                "UPDATE webhook_queue SET window_start = now() - interval '25 hours' WHERE user_id = %s",
                (user.user_id,),
            )
        return (500, {}, 0.0)

    with receiver(age_then_fail) as hook:
        subscription = subscribe(user, hook.url)
        user.create()
        log = wait_for_log(user, subscription["id"], lambda log: len(log) >= 1)
        with psycopg.connect(hook_db) as conn:
            state = conn.execute(
                "SELECT state FROM webhook_queue WHERE user_id = %s", (user.user_id,)
            ).fetchone()
    assert log[0]["status_code"] == 500 and log[0]["next_retry_at"] is None
    assert state == ("failed",)
    assert len(hook.received) == 1


def test_old_attempts_and_events_are_purged_after_the_retention_period(database: Database) -> None:
    # a database and workers of its own: a worker purges a user's old rows at most every 30 s,
    # from its first finished delivery for that user on
    with migrated_database(database.url) as hook_db, _app(hook_db) as webhook_app:
        _purges_old_rows(hook_db, user_api(webhook_app, "purged-user"))


@contextmanager
def _app(url: str) -> Iterator[TaskApp]:
    webhook_app = hook_app(url)
    try:
        yield webhook_app
    finally:
        webhook_app.close()


def _purges_old_rows(hook_db: str, user: Api) -> None:
    with receiver() as hook:
        subscription = subscribe(user, hook.url)
        with worker_process(hook_db):
            user.create(title="old")
            wait_for_log(user, subscription["id"], lambda log: len(log) == 1)
        with psycopg.connect(hook_db) as conn:
            for table in ("webhook_deliveries", "webhook_events"):
                conn.execute(
                    f"UPDATE {table} SET created_at = now() - interval '8 days' WHERE user_id = %s",
                    (user.user_id,),
                )
            conn.execute(
                "UPDATE webhook_queue SET finished_at = now() - interval '8 days' WHERE user_id = %s",
                (user.user_id,),
            )
        with worker_process(hook_db):
            user.create(title="new")  # a finished delivery purges what is past the retention period
            new_id = json.loads(hook.wait_for(2)[1].body)["id"]
            log = wait_for_log(user, subscription["id"], lambda log: [e["event_id"] for e in log] == [new_id])
    with psycopg.connect(hook_db) as conn:
        events = conn.execute(
            "SELECT data->>'title' FROM webhook_events WHERE user_id = %s", (user.user_id,)
        ).fetchall()
    assert events == [("new",)]
    assert log[0]["status_code"] == 200


def test_a_target_that_resolves_to_a_private_address_at_delivery_is_refused(database: Database) -> None:
    # subscribed while private targets were allowed; the worker, which does not allow them, checks
    # the address again before it connects (as it would after a DNS answer changed)
    with (
        migrated_database(database.url) as url,
        receiver() as hook,
        worker_process(url, WEBHOOK_ALLOW_PRIVATE="false"),
    ):
        webhook_app = hook_app(url)
        try:
            user = user_api(webhook_app, "rebinding-user")
            subscription = subscribe(user, hook.url)
            user.create()
            log = wait_for_log(user, subscription["id"], lambda log: len(log) >= 1)
        finally:
            webhook_app.close()
    assert log[0]["status_code"] is None and log[0]["error"].startswith("refused:")
    assert hook.received == []
