"""Concurrent writers on lists and subtrees: moves serialise, cycles cannot form, and open_tasks
stays exact without deadlocks (real threads, contention asserted)."""

from __future__ import annotations

import random

import pytest

from tests.api import Api
from tests.concurrency import race

TASKS = "/api/v1/tasks"


def top_level(api: Api, list_id: str) -> list[dict]:
    params = {"sort_by": "position", "parent_id": "none", "list_id": list_id, "limit": "100"}
    return api.request("GET", TASKS, params=params).json["items"]


def test_concurrent_moves_into_one_gap_serialise(alice: Api) -> None:
    anchor = alice.create(title="anchor")
    tail = alice.create(title="tail")
    movers = [alice.create(title=f"m{i}") for i in range(8)]

    def move_after_anchor(i: int) -> list[int]:
        statuses = []
        for _ in range(5):
            result = alice.request("POST", f"{TASKS}/{movers[i]['id']}/move", json={"after": anchor["id"]})
            statuses.append(result.status_code)
        return statuses

    outcome = race(len(movers), move_after_anchor)

    assert outcome.most_in_flight > 1
    assert all(status == 200 for statuses in outcome.results for status in statuses)
    tasks = top_level(alice, anchor["list_id"])
    assert len(tasks) == 10
    assert len({t["position"] for t in tasks}) == 10  # no two siblings equal
    ids = [t["id"] for t in tasks]
    assert ids[0] == anchor["id"] and ids[-1] == tail["id"]
    assert set(ids[1:-1]) == {m["id"] for m in movers}


def test_two_moves_that_together_make_a_cycle_cannot_both_succeed(alice: Api) -> None:
    clashes = 0
    for _ in range(6):
        a, b = alice.create(title="a"), alice.create(title="b")
        pair = (a, b)

        def put_under_the_other(i: int, pair: tuple[dict, dict] = pair) -> int:
            mine, other = pair[i], pair[1 - i]
            body = {"parent_id": other["id"], "after": None}
            return alice.request("POST", f"{TASKS}/{mine['id']}/move", json=body).status_code

        outcome = race(2, put_under_the_other)
        clashes += outcome.most_in_flight > 1
        assert sorted(outcome.results) == [200, 400]
        parents = {t["id"]: alice.request("GET", f"{TASKS}/{t['id']}").json["parent_id"] for t in pair}
        assert sum(p is not None for p in parents.values()) == 1
    assert clashes > 0


def test_open_tasks_stays_exact_under_concurrent_writes_of_one_user(wide: Api) -> None:
    alice = wide
    lists = [alice.request("POST", "/api/v1/lists", json={"name": f"L{i}"}).json for i in range(2)]
    ids = [entry["id"] for entry in lists]

    def churn(i: int) -> list[int]:
        rng = random.Random(i)
        statuses, mine = [], []
        for step in range(12):
            if not mine or step % 3 == 0:
                result = alice.request(
                    "POST", TASKS, json={"title": f"t{i}-{step}", "list_id": rng.choice(ids)}
                )
                if result.status_code == 201:
                    mine.append(result.json["id"])
            elif step % 3 == 1:
                task = rng.choice(mine)
                result = alice.request("POST", f"{TASKS}/{task}/toggle")
            else:
                task = rng.choice(mine)
                result = alice.request(
                    "POST", f"{TASKS}/{task}/move", json={"list_id": rng.choice(ids), "after": None}
                )
            statuses.append(result.status_code)
        return statuses

    outcome = race(16, churn)

    assert outcome.most_in_flight > 1
    assert {status for statuses in outcome.results for status in statuses} <= {200, 201}
    counted = {entry["id"]: 0 for entry in lists}
    for list_id in ids:
        params = {"list_id": list_id, "completed": "false", "limit": "1"}
        counted[list_id] = alice.request("GET", TASKS, params=params).json["total"]
    shown = {
        e["id"]: e["open_tasks"]
        for e in alice.request("GET", "/api/v1/lists").json["items"]
        if e["id"] in ids
    }
    assert shown == counted
    assert sum(counted.values()) > 0


def test_the_locked_fallback_takes_every_list_it_needs_in_order(
    alice: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no optimistic attempts every write takes the locked path: a move into an older list
    (a lower id than the one it holds) starts again holding both, and ends."""
    from taskapi.store import tasks as store_tasks

    inbox = alice.request("GET", "/api/v1/lists").json["items"][0]
    work = alice.request("POST", "/api/v1/lists", json={"name": "Work"}).json
    parent = alice.create(title="parent", list_id=work["id"])
    child = alice.create(title="child", parent_id=parent["id"])
    monkeypatch.setattr(store_tasks, "OPTIMISTIC_ATTEMPTS", 0)
    assert inbox["is_inbox"] and inbox["id"] < work["id"]

    moved = alice.request("PATCH", f"{TASKS}/{parent['id']}", json={"list_id": inbox["id"]})
    toggled = alice.request("POST", f"{TASKS}/{parent['id']}/toggle")
    back = alice.request("POST", f"{TASKS}/{parent['id']}/move", json={"list_id": work["id"], "after": None})

    assert (moved.status_code, toggled.status_code, back.status_code) == (200, 200, 200)
    assert alice.request("GET", f"{TASKS}/{child['id']}").json["list_id"] == work["id"]
    assert alice.request("GET", f"{TASKS}/{child['id']}").json["completed"] is True
