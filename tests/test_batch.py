"""POST /api/v1/batch: task writes in order, one transaction, each answered as its route alone."""

from __future__ import annotations

import re
from typing import Any

import pytest

from taskapi.resources.batch import refs_of, resolve_body, resolve_path
from tests.api import Api

BATCH = "/api/v1/batch"
TASKS = "/api/v1/tasks"
# what differs between two users' tasks made by the same requests
_OWN = ("id", "user_id", "list_id", "created_at", "updated_at", "completed_at")


def batch(api: Api, operations: list[dict[str, Any]], headers: dict[str, str] | None = None) -> Any:
    return api.request("POST", BATCH, json={"operations": operations}, headers=headers)


def sync_cursor(api: Api) -> str:
    return api.request("GET", "/api/v1/sync").json["cursor"]


def changes_since(api: Api, cursor: str) -> dict[str, Any]:
    return api.request("GET", "/api/v1/sync", params={"cursor": cursor}).json


def titles(api: Api) -> list[str]:
    return sorted(task["title"] for task in api.request("GET", TASKS).json["items"])


def comparable(body: Any) -> Any:
    """A body with what is particular to its user and moment taken out."""
    if isinstance(body, dict):
        return {k: ("<own>" if k in _OWN else comparable(v)) for k, v in body.items()}
    if isinstance(body, list):
        return [comparable(item) for item in body]
    return body


def test_a_created_task_is_toggled_patched_and_deleted_through_its_ref(alice: Api) -> None:
    result = batch(
        alice,
        [
            {"method": "POST", "path": TASKS, "body": {"title": "Buy milk"}, "ref": "t1"},
            {"method": "POST", "path": f"{TASKS}/$t1/toggle"},
            {
                "method": "PATCH",
                "path": f"{TASKS}/$t1",
                "headers": {"If-Match": '"2"'},
                "body": {"tags": ["x"]},
            },
            {"method": "POST", "path": TASKS, "body": {"title": "Keep me"}},
            {"method": "DELETE", "path": f"{TASKS}/$t1", "headers": {"If-Match": '"3"'}},
        ],
    )
    assert result.status_code == 200, result.text
    results = result.json["results"]
    assert [r["status"] for r in results] == [201, 200, 200, 201, 204]
    created = results[0]["body"]
    assert results[0]["headers"]["Location"] == f"{TASKS}/{created['id']}"
    assert results[0]["headers"]["ETag"] == '"1"'
    assert results[1]["body"]["task"]["id"] == created["id"] and results[1]["body"]["task"]["completed"]
    assert results[2]["body"]["tags"] == ["x"] and results[2]["headers"]["ETag"] == '"3"'
    assert results[4]["body"] is None
    assert alice.request("GET", f"{TASKS}/{created['id']}").status_code == 404
    assert titles(alice) == ["Keep me"]


def _requests(task_id: str, other_id: str) -> list[dict[str, Any]]:
    full = {
        "title": "Stand-up",
        "priority": "HIGH",
        "tags": ["work"],
        "due_date": "2026-11-23T09:00:00+01:00",
    }
    return [
        {"method": "POST", "path": TASKS, "body": full},
        {"method": "PUT", "path": f"{TASKS}/{task_id}", "headers": {"If-Match": '"1"'}, "body": full},
        {
            "method": "PATCH",
            "path": f"{TASKS}/{task_id}",
            "body": {"description": "room 4", "completed": True},
        },
        {"method": "POST", "path": f"{TASKS}/{task_id}/toggle", "headers": {"If-Match": '"3"'}},
        {"method": "DELETE", "path": f"{TASKS}/{other_id}"},
    ]


def test_each_result_is_what_the_route_alone_answers(alice: Api, bob: Api) -> None:
    mine, other = alice.create(title="Mine"), alice.create(title="Other")
    theirs, their_other = bob.create(title="Mine"), bob.create(title="Other")
    results = batch(alice, _requests(mine["id"], other["id"])).json["results"]
    for op, result in zip(_requests(theirs["id"], their_other["id"]), results, strict=True):
        alone = bob.request(op["method"], op["path"], json=op.get("body"), headers=op.get("headers"))
        assert result["status"] == alone.status_code
        assert comparable(result["body"]) == comparable(alone.json if alone.content else None)
        for name in ("ETag", "Location", "Link", "Cache-Control"):
            sent = alone.headers.get(name)
            got = result["headers"].get(name)
            assert (got is None) == (sent is None), name
            if name != "Location" and sent is not None:
                assert got == sent, name
    assert re.fullmatch(rf"{TASKS}/[0-9a-f-]{{36}}", results[0]["headers"]["Location"])


def test_a_failing_third_operation_leaves_no_trace_in_the_tasks_or_the_sync_feed(alice: Api) -> None:
    existing = alice.create(title="Before")
    cursor = sync_cursor(alice)
    result = batch(
        alice,
        [
            {"method": "POST", "path": TASKS, "body": {"title": "New"}},
            {"method": "PATCH", "path": f"{TASKS}/{existing['id']}", "body": {"title": "Changed"}},
            {"method": "PATCH", "path": f"{TASKS}/{existing['id']}", "body": {"title": " "}},
        ],
    )
    assert result.status_code == 400, result.text
    problem = result.json
    assert result.headers["Content-Type"] == "application/problem+json"
    assert problem["operation"] == 2 and "title" in problem["errors"]
    assert problem["type"] == "/problems/validation-error"
    assert problem["instance"] == f"{TASKS}/{existing['id']}"
    assert titles(alice) == ["Before"]
    assert alice.request("GET", f"{TASKS}/{existing['id']}").json["version"] == 1
    feed = changes_since(alice, cursor)
    assert feed["changed"] == [] and feed["deleted"] == []


def test_a_stale_if_match_stops_the_batch_with_the_operations_412(alice: Api) -> None:
    task = alice.create(title="Shared")
    assert alice.request("PATCH", f"{TASKS}/{task['id']}", json={"title": "Elsewhere"}).status_code == 200
    result = batch(
        alice,
        [
            {"method": "POST", "path": TASKS, "body": {"title": "Queued"}},
            {
                "method": "PATCH",
                "path": f"{TASKS}/{task['id']}",
                "headers": {"If-Match": '"1"'},
                "body": {"title": "Mine"},
            },
        ],
    )
    assert result.status_code == 412, result.text
    assert result.json["operation"] == 1 and result.json["current"]["title"] == "Elsewhere"
    assert result.headers["ETag"] == '"2"'
    assert titles(alice) == ["Elsewhere"]


def test_another_users_task_is_404_for_that_operation_and_stays_as_it_was(alice: Api, bob: Api) -> None:
    theirs = bob.create(title="Bob's")
    result = batch(
        alice,
        [
            {"method": "POST", "path": TASKS, "body": {"title": "Alice's"}},
            {"method": "PATCH", "path": f"{TASKS}/{theirs['id']}", "body": {"title": "Taken"}},
        ],
    )
    assert result.status_code == 404 and result.json["operation"] == 1
    assert titles(alice) == []
    assert bob.request("GET", f"{TASKS}/{theirs['id']}").json == theirs


def test_a_ref_on_an_operation_that_creates_nothing_fails_that_operation(alice: Api) -> None:
    result = batch(
        alice,
        [
            {"method": "POST", "path": TASKS, "body": {"title": "Gone"}, "ref": "a"},
            {"method": "DELETE", "path": f"{TASKS}/$a", "ref": "b"},
        ],
    )
    assert result.status_code == 400 and result.json["operation"] == 1
    assert "ref" in result.json["errors"]
    assert titles(alice) == []


NEW = {"method": "POST", "path": TASKS, "body": {"title": "t"}}
SOME_ID = "019a5f3c-7d2e-7b4a-9c1e-2f3a4b5c6d7e"


@pytest.mark.parametrize(
    ("operations", "field"),
    [
        ([], "operations"),
        ([NEW] * 101, "operations"),
        ([{**NEW, "method": "GET"}], "operations[0].method"),
        ([NEW, {"method": "GET", "path": f"{TASKS}/{SOME_ID}"}], "operations[1].method"),
        ([{**NEW, "method": "post"}], "operations[0].method"),
        ([NEW, {"method": "POST", "path": f"{TASKS}/{SOME_ID}"}], "operations[1].method"),
        ([NEW, {"method": "POST", "path": "/api/v1/sync"}], "operations[1].path"),
        ([{"method": "POST", "path": BATCH, "body": {"operations": [NEW]}}], "operations[0].path"),
        ([{"method": "DELETE", "path": "/api/v1/tasks.ics"}], "operations[0].path"),
        ([{"method": "POST", "path": "/api/v1/nothing"}], "operations[0].path"),
        ([{**NEW, "path": f"{TASKS}?title=x"}], "operations[0].path"),
        ([{"method": "DELETE", "path": f"{TASKS}/not-a-uuid"}], "operations[0].path"),
        ([NEW, {"method": "DELETE", "path": f"{TASKS}/$nobody"}], "operations[1].path"),
        ([{"method": "DELETE", "path": f"{TASKS}/$later"}, {**NEW, "ref": "later"}], "operations[0].path"),
        ([{**NEW, "ref": "x"}, {**NEW, "ref": "x"}], "operations[1].ref"),
        ([{**NEW, "ref": "no spaces"}], "operations[0].ref"),
        ([{**NEW, "headers": {"Idempotency-Key": "k"}}], "operations[0].headers.Idempotency-Key"),
        ([{**NEW, "headers": {"if-match": "*"}}], "operations[0].headers.if-match"),
        ([{**NEW, "headers": {"If-Match": 1}}], "operations[0].headers.If-Match"),
        ([{**NEW, "body": ["not", "an", "object"]}], "operations[0].body"),
        ([{**NEW, "extra": 1}], "operations[0].extra"),
        ([{"path": TASKS}], "operations[0].method"),
    ],
    ids=lambda value: None if isinstance(value, list) else value,
)
def test_a_bad_batch_is_400_naming_the_operation_and_runs_nothing(
    alice: Api, operations: list[dict[str, Any]], field: str
) -> None:
    cursor = sync_cursor(alice)
    result = batch(alice, operations)
    assert result.status_code == 400, result.text
    assert field in result.json["errors"], result.json
    assert "operation" not in result.json
    assert changes_since(alice, cursor)["changed"] == []


def test_an_operation_body_over_max_body_bytes_is_400(alice: Api, config: Any) -> None:
    # `1E2` is 3 bytes as sent and 5 (`100.0`) as the operation's own body: the batch fits, it does not
    values = ",".join(["1E2"] * (config.max_body_bytes // 4 - 100))
    operation = f'{{"method": "POST", "path": "{TASKS}", "body": {{"title": "t", "n": [{values}]}}}}'
    body = f'{{"operations": [{operation}]}}'
    result = alice.request("POST", BATCH, body=body, headers={"Content-Type": "application/json"})
    assert result.status_code == 400, result.text[:300]
    assert "MAX_BODY_BYTES" in result.json["errors"]["operations[0].body"][0]


def test_a_malformed_if_match_is_that_operations_400(alice: Api) -> None:
    task = alice.create(title="x")
    result = batch(
        alice,
        [NEW, {"method": "DELETE", "path": f"{TASKS}/{task['id']}", "headers": {"If-Match": "3"}}],
    )
    assert result.status_code == 400 and result.json["operation"] == 1
    assert "If-Match" in result.json["errors"]
    assert titles(alice) == ["x"]


def test_a_batch_without_a_body_or_operations_is_400(alice: Api) -> None:
    assert alice.request("POST", BATCH, json={}).json["errors"] == {
        "operations": ["Missing data for required field."]
    }
    assert alice.request("POST", BATCH, json={"operations": [NEW], "more": 1}).status_code == 400


def test_an_idempotency_key_replays_the_batch_once_done(alice: Api) -> None:
    headers = {"Idempotency-Key": "queue-7"}
    first = batch(alice, [NEW, {**NEW, "body": {"title": "u"}}], headers)
    again = batch(alice, [NEW, {**NEW, "body": {"title": "u"}}], headers)
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    assert titles(alice) == ["t", "u"]
    assert batch(alice, [NEW], headers).status_code == 422


def test_a_failed_batch_with_an_idempotency_key_keeps_neither_key_nor_writes(alice: Api) -> None:
    headers = {"Idempotency-Key": "queue-8"}
    failing = [NEW, {"method": "DELETE", "path": f"{TASKS}/{SOME_ID}"}]
    assert batch(alice, failing, headers).status_code == 404
    assert titles(alice) == []
    assert batch(alice, [NEW], headers).status_code == 200  # the key was not used up
    assert titles(alice) == ["t"]


def test_refs_are_found_and_resolved_in_path_segments_and_id_fields_only() -> None:
    body = {"list_id": "$l1", "parent_id": "$t1", "title": "$t1", "tags": ["$t1"]}
    path = f"{TASKS}/$t1"
    assert sorted(refs_of(path, body)) == [("body.list_id", "l1"), ("body.parent_id", "t1"), ("path", "t1")]
    assert refs_of(TASKS, {"title": "$t1"}) == [] and refs_of(TASKS, None) == []
    ids = {"t1": SOME_ID, "l1": "list-1"}
    assert resolve_path(path, ids) == f"{TASKS}/{SOME_ID}"
    assert resolve_path(TASKS, ids) == TASKS
    assert resolve_body(body, ids) == {**body, "list_id": "list-1", "parent_id": SOME_ID}
    assert resolve_path(f"{TASKS}/a$t1", ids) == f"{TASKS}/a$t1"  # a whole segment only


def test_a_list_its_task_and_a_subtask_are_made_in_one_batch_through_refs(alice: Api) -> None:
    answer = batch(
        alice,
        [
            {"method": "POST", "path": "/api/v1/lists", "body": {"name": "Trip"}, "ref": "l1"},
            {
                "method": "POST",
                "path": "/api/v1/tasks",
                "body": {"title": "Pack", "list_id": "$l1"},
                "ref": "t1",
            },
            {"method": "POST", "path": "/api/v1/tasks", "body": {"title": "Socks", "parent_id": "$t1"}},
            {"method": "POST", "path": "/api/v1/tasks/$t1/toggle"},
        ],
    )
    assert answer.status_code == 200, answer.text
    results = answer.json
    assert [r["status"] for r in results["results"]] == [201, 201, 201, 200]
    trip = results["results"][0]["body"]
    pack, socks = results["results"][1]["body"], results["results"][2]["body"]
    assert pack["list_id"] == socks["list_id"] == trip["id"] and socks["parent_id"] == pack["id"]
    # completing the parent completed its subtask, in the same transaction
    assert alice.request("GET", f"/api/v1/tasks/{socks['id']}").json["completed"] is True


def test_a_failing_list_operation_rolls_back_the_lists_made_before_it(alice: Api) -> None:
    before = alice.request("GET", "/api/v1/lists").json["items"]
    result = alice.request(
        "POST",
        "/api/v1/batch",
        json={
            "operations": [
                {"method": "POST", "path": "/api/v1/lists", "body": {"name": "Errands"}},
                {"method": "POST", "path": "/api/v1/lists", "body": {"name": "errands"}},  # a duplicate name
            ]
        },
    )
    assert result.status_code == 409 and result.json["operation"] == 1
    assert alice.request("GET", "/api/v1/lists").json["items"] == before
