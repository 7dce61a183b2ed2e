"""A batch's run of consecutive creates is one store call: placed, refused and counted exactly as
the same creates one by one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import falcon.testing
import pytest

from taskapi.app import create_app
from taskapi.config import Config
from taskapi.resources.batch import Operation, grouped, refs_of
from tests.api import Api
from tests.test_batch import TASKS, batch, changes_since, comparable, sync_cursor, titles

INT_MAX = 2**31 - 1
# what differs between two users' tasks made by the same requests (ids, and the ids they point to)
_OWN = ("id", "parent_id", "list_id", "created_at", "updated_at", "completed_at")


def _same(body: Any) -> Any:
    masked = comparable(body)
    return {k: ("<own>" if k in _OWN else v) for k, v in masked.items()}


def _creates(api: Api) -> list[dict[str, Any]]:
    """Appends to the Inbox, a client's position, appends after it, subtasks, a list's tasks, and a
    group packed against the largest position (placing after it reads the group back)."""
    parent = api.create(title="Parent")
    a_list = api.request("POST", "/api/v1/lists", json={"name": "Errands"}).json
    bodies: list[dict[str, Any]] = [
        {"title": "first"},
        {"title": "second", "priority": "high", "tags": ["x", "y"]},
        {"title": "placed", "position": 100_000},
        {"title": "after placed"},
        {"title": "low", "position": 5},
        {"title": "after low"},
        {"title": "sub 1", "parent_id": parent["id"]},
        {"title": "sub 2", "parent_id": parent["id"], "due_date": "2030-01-02T09:00:00Z"},
        {"title": "in list", "list_id": a_list["id"]},
        {"title": "packed", "list_id": a_list["id"], "position": INT_MAX - 10},
        {"title": "after packed", "list_id": a_list["id"]},
        {"title": "after packed too", "list_id": a_list["id"]},
        {"title": "back in the Inbox", "completed": True},
    ]
    return [{"method": "POST", "path": TASKS, "body": body} for body in bodies]


def test_a_run_of_creates_is_placed_and_answered_as_the_same_creates_one_by_one(alice: Api, bob: Api) -> None:
    result = batch(alice, _creates(alice))
    assert result.status_code == 200, result.text
    for op, got in zip(_creates(bob), result.json["results"], strict=True):
        alone = bob.request("POST", TASKS, json=op["body"])
        assert got["status"] == alone.status_code == 201
        assert _same(got["body"]) == _same(alone.json)
        assert got["headers"]["ETag"] == alone.headers["ETag"]
        assert got["headers"]["Location"] == f"{TASKS}/{got['body']['id']}"
    by_position = {"sort_by": "position", "limit": 100}
    mine = alice.request("GET", TASKS, params=by_position).json["items"]
    theirs = bob.request("GET", TASKS, params=by_position).json["items"]
    assert [(t["title"], t["position"]) for t in mine] == [(t["title"], t["position"]) for t in theirs]
    assert len(mine) == 14


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"title": " "}, 400, "title"),
        ({"title": "nowhere", "list_id": "00000000-0000-0000-0000-00000000abcd"}, 400, "list_id"),
        ({"title": "under nothing", "parent_id": "00000000-0000-0000-0000-00000000abcd"}, 400, "parent_id"),
    ],
)
def test_a_refused_create_in_a_run_is_that_operations_own_answer_and_nothing_is_kept(
    alice: Api, body: dict[str, Any], status: int, field: str
) -> None:
    cursor = sync_cursor(alice)
    alone = alice.request("POST", TASKS, json=body)
    ops = [{"method": "POST", "path": TASKS, "body": b} for b in ({"title": "a"}, body, {"title": "c"})]
    result = batch(alice, ops)
    assert result.status_code == alone.status_code == status, result.text
    own = ("request_id",)  # each request's own
    assert {k: v for k, v in result.json.items() if k not in own} == {
        **{k: v for k, v in alone.json.items() if k not in own},
        "operation": 1,
    }
    assert field in str(result.json)
    assert titles(alice) == []
    feed = changes_since(alice, cursor)
    assert feed["changed"] == [] and feed["deleted"] == []


@pytest.fixture
def capped(config: Config) -> Iterator[falcon.testing.TestClient]:
    app = create_app(Config(**{**config.__dict__, "max_tasks_per_user": 3}))
    yield falcon.testing.TestClient(app)
    app.db.close()


def test_a_run_past_the_task_cap_is_409_at_the_first_create_beyond_it(
    capped: falcon.testing.TestClient,
) -> None:
    alice = Api(capped, "batch-cap-alice")
    alice.create(title="kept")
    ops = [{"method": "POST", "path": TASKS, "body": {"title": f"new {i}"}} for i in range(4)]
    result = batch(alice, ops)
    assert result.status_code == 409, result.text
    assert result.json["operation"] == 2 and result.json["type"] == "/problems/task-limit-reached"
    assert titles(alice) == ["kept"]
    assert batch(alice, ops[:2]).status_code == 200
    assert titles(alice) == ["kept", "new 0", "new 1"]


def test_creates_under_a_task_made_in_the_same_run_wait_for_its_id(alice: Api) -> None:
    ops = [
        {"method": "POST", "path": TASKS, "body": {"title": "Trip"}, "ref": "trip"},
        {"method": "POST", "path": TASKS, "body": {"title": "Pack", "parent_id": "$trip"}},
        {"method": "POST", "path": TASKS, "body": {"title": "Tickets", "parent_id": "$trip"}},
        {"method": "POST", "path": TASKS, "body": {"title": "Lunch"}},
    ]
    cursor = sync_cursor(alice)
    results = batch(alice, ops).json["results"]
    trip = results[0]["body"]["id"]
    assert [r["body"]["parent_id"] for r in results] == [None, trip, trip, None]
    assert [r["body"]["position"] for r in results] == [0, 0, 1024, 1024]
    changed = changes_since(alice, cursor)["changed"]
    assert sorted(t["title"] for t in changed if "title" in t) == ["Lunch", "Pack", "Tickets", "Trip"]


def _op(
    index: int, method: str, path: str, body: dict[str, Any] | None = None, ref: str | None = None
) -> Operation:
    return Operation(index, method, path, body, {}, ref, refs_of(path, body))


def test_consecutive_creates_are_grouped_until_one_names_a_ref_of_the_group_or_another_route_comes() -> None:
    ops = [
        _op(0, "POST", TASKS, {"title": "a"}, ref="a"),
        _op(1, "POST", TASKS, {"title": "b"}),
        _op(2, "POST", TASKS, {"title": "c", "parent_id": "$a"}),
        _op(3, "POST", TASKS, {"title": "d", "list_id": "$a"}),
        _op(4, "PATCH", f"{TASKS}/$a", {"title": "e"}),
        _op(5, "POST", TASKS, {"title": "f", "parent_id": "$a"}),
        _op(6, "POST", "/api/v1/lists", {"name": "g"}),
    ]
    assert [[op.index for op in group] for group in grouped(ops)] == [[0, 1], [2, 3], [4], [5], [6]]
