"""Idempotency-Key on POST /api/v1/tasks and on toggle: one effect per key, the first answer replayed."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import falcon.testing
import pytest

from taskapi.db import load_queries
from taskapi.store import IdempotencyStore
from tests.api import Api
from tests.concurrency import race

TASKS = "/api/v1/tasks"


def key() -> str:
    return str(uuid.uuid4())


def post(api: Api, body: dict, idempotency_key: str | None) -> object:
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key is not None else {}
    return api.request("POST", TASKS, json=body, headers=headers)


def count(api: Api) -> int:
    return api.request("GET", TASKS).json["total"]


def test_retry_with_same_key_replays_the_first_answer_and_creates_nothing(alice: Api) -> None:
    k = key()
    first = post(alice, {"title": "buy milk", "tags": ["a"]}, k)
    again = post(alice, {"tags": ["a"], "title": "buy milk"}, k)  # same object, other key order
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    for header in ("Location", "ETag", "Content-Type"):
        assert again.headers[header] == first.headers[header]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count(alice) == 1


def test_same_key_with_another_body_is_422_and_creates_nothing(alice: Api) -> None:
    k = key()
    post(alice, {"title": "one"}, k)
    other = post(alice, {"title": "two"}, k)
    assert other.status_code == 422
    assert other.headers["Content-Type"] == "application/problem+json"
    assert other.json["type"] == "/problems/idempotency-key-reused"
    assert count(alice) == 1


def test_same_key_on_another_route_is_422(alice: Api) -> None:
    k = key()
    task = post(alice, {"title": "one"}, k).json
    toggled = alice.request("POST", f"{TASKS}/{task['id']}/toggle", headers={"Idempotency-Key": k})
    assert toggled.status_code == 422
    assert alice.request("GET", f"{TASKS}/{task['id']}").json["completed"] is False


def test_keys_are_per_user(alice: Api, bob: Api) -> None:
    k = key()
    mine = post(alice, {"title": "same"}, k)
    theirs = post(bob, {"title": "same"}, k)
    assert mine.status_code == theirs.status_code == 201
    assert mine.json["id"] != theirs.json["id"]
    assert theirs.json["user_id"] == bob.user_id


@pytest.mark.parametrize("bad", ["", "x" * 256, "caf\u00e9", "tab\there"])
def test_invalid_key_is_400_naming_the_header(alice: Api, bad: str) -> None:
    result = alice.client.simulate_request(
        "POST",
        TASKS,
        json={"title": "x"},
        headers={"Authorization": f"Bearer {alice.token}", "Idempotency-Key": bad},
    )
    assert result.status_code == 400
    assert "Idempotency-Key" in result.json["errors"]
    assert count(alice) == 0


def test_failed_request_stores_nothing_and_a_corrected_retry_with_the_key_works(alice: Api) -> None:
    k = key()
    assert post(alice, {"title": ""}, k).status_code == 400
    created = post(alice, {"title": "fixed"}, k)
    assert created.status_code == 201
    assert count(alice) == 1


def test_key_in_flight_is_409_with_retry_after(alice: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    store = alice.client.app._router.find(TASKS)[0].store
    inside, release = threading.Event(), threading.Event()
    original = store.create

    def slow_create(*args: object, **kwargs: object) -> object:
        inside.set()
        release.wait(10)
        return original(*args, **kwargs)

    monkeypatch.setattr(store, "create", slow_create)
    k, results = key(), {}
    first = threading.Thread(target=lambda: results.update(first=post(alice, {"title": "slow"}, k)))
    first.start()
    assert inside.wait(10)
    try:
        second = post(alice, {"title": "slow"}, k)
    finally:
        release.set()
        first.join(10)
    assert second.status_code == 409
    assert second.json["type"] == "/problems/idempotency-key-in-use"
    assert second.headers["Retry-After"]
    assert results["first"].status_code == 201
    monkeypatch.undo()
    assert post(alice, {"title": "slow"}, k).json == results["first"].json
    assert count(alice) == 1


def test_toggle_retry_replays_and_does_not_flip_back(alice: Api) -> None:
    task = alice.create()
    path, k = f"{TASKS}/{task['id']}/toggle", key()
    first = alice.request("POST", path, headers={"Idempotency-Key": k, "If-Match": '"1"'})
    again = alice.request("POST", path, headers={"Idempotency-Key": k, "If-Match": '"1"'})
    assert first.status_code == again.status_code == 200
    assert again.json == first.json
    assert again.headers["ETag"] == first.headers["ETag"] == '"2"'
    current = alice.request("GET", f"{TASKS}/{task['id']}").json
    assert current["completed"] is True and current["version"] == 2


def test_toggle_replay_repeats_the_next_occurrence_link(alice: Api) -> None:
    task = alice.create(due_date="2026-11-23T09:00:00+00:00", recurrence_rule="FREQ=DAILY")
    path, k = f"{TASKS}/{task['id']}/toggle", key()
    first = alice.request("POST", path, headers={"Idempotency-Key": k})
    again = alice.request("POST", path, headers={"Idempotency-Key": k})
    assert first.json["next_task"] is not None
    assert again.headers["Link"] == first.headers["Link"]
    assert first.json["next_task"]["id"] in first.headers["Link"]
    assert count(alice) == 2


def test_many_threads_with_one_key_create_exactly_one_task(alice: Api) -> None:
    k, body, threads = key(), {"title": "once"}, 12

    def attempt(_: int) -> tuple[falcon.testing.Result, int]:
        """The first answer that is not 409, and how many 409s (key in flight) came before it."""
        for in_flight in range(200):
            result = post(alice, body, k)
            if result.status_code != 409:
                return result, in_flight
        raise AssertionError("still 409 after 200 attempts")

    outcome = race(threads, attempt)
    answers = [answer for answer, _ in outcome.results]
    assert [a.status_code for a in answers] == [201] * threads
    assert len({a.json["id"] for a in answers}) == 1
    assert count(alice) == 1
    assert outcome.most_in_flight > 1
    # the key really was contended: some requests found the first one still in flight
    assert sum(in_flight for _, in_flight in outcome.results) > 0


def test_expired_keys_are_cleaned_up_and_can_be_used_again(
    alice: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    resource = alice.client.app._router.find(TASKS)[0]
    db = resource.idempotency._db
    # answers that expire at once: the same database, a TTL of zero
    monkeypatch.setattr(resource, "idempotency", IdempotencyStore(db, load_queries(), timedelta(0)))
    old, new = key(), key()
    first = post(alice, {"title": "a"}, old)
    assert post(alice, {"title": "b"}, new).status_code == 201  # its save purges the expired key
    with db.connection() as conn:
        rows = conn.execute("SELECT key FROM idempotency_keys WHERE user_id = %s", (alice.user_id,))
        assert [row["key"] for row in rows] == [new]
    again = post(alice, {"title": "c"}, old)  # expired: a new request, not a reuse
    assert again.status_code == 201
    assert again.json["id"] != first.json["id"]
