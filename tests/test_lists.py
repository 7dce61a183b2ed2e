"""Lists over HTTP: the Inbox, create, read, rename, order, delete, isolation and If-Match."""

from __future__ import annotations

import uuid
from dataclasses import replace

import falcon.testing

from taskapi.app import create_app
from taskapi.config import Config
from tests.api import Api
from tests.concurrency import race

LISTS = "/api/v1/lists"


def lists_of(api: Api) -> list[dict]:
    result = api.request("GET", LISTS)
    assert result.status_code == 200, result.text
    return result.json["items"]


def make_list(api: Api, name: str, **fields: object) -> dict:
    result = api.request("POST", LISTS, json={"name": name, **fields})
    assert result.status_code == 201, result.text
    return result.json


def test_a_new_user_has_exactly_one_inbox(alice: Api) -> None:
    items = lists_of(alice)

    assert [(item["name"], item["is_inbox"], item["open_tasks"]) for item in items] == [("Inbox", True, 0)]
    # the listing shows a list exactly as reading it does
    assert items[0] == alice.request("GET", f"{LISTS}/{items[0]['id']}").json
    assert uuid.UUID(items[0]["id"]).version == 7
    assert lists_of(alice) == items


def test_concurrent_first_requests_make_one_inbox(alice: Api) -> None:
    def first_request(i: int) -> falcon.testing.Result:
        if i % 2:
            return alice.request("GET", LISTS)
        return alice.request("POST", "/api/v1/tasks", json={"title": f"t{i}"})

    outcome = race(8, first_request)

    assert outcome.most_in_flight > 1
    assert all(r.status_code in (200, 201) for r in outcome.results), [r.text for r in outcome.results]
    inboxes = [item for item in lists_of(alice) if item["is_inbox"]]
    assert len(inboxes) == 1
    assert inboxes[0]["open_tasks"] == 4
    tasks = alice.request("GET", "/api/v1/tasks").json["items"]
    assert {task["list_id"] for task in tasks} == {inboxes[0]["id"]}


def test_create_returns_the_list_after_the_last_with_location_and_etag(alice: Api) -> None:
    result = alice.request("POST", LISTS, json={"name": "  Groceries ", "color": "#3A7BD5"})

    assert result.status_code == 201
    made = result.json
    assert result.headers["Location"] == f"{LISTS}/{made['id']}"
    assert result.headers["ETag"] == '"1"'
    assert made["name"] == "Groceries" and made["color"] == "#3a7bd5" and made["is_inbox"] is False
    second = make_list(alice, "Work")
    assert [item["name"] for item in lists_of(alice)] == ["Inbox", "Groceries", "Work"]
    assert second["position"] > made["position"]


def test_names_are_unique_in_any_case_including_the_inbox(alice: Api) -> None:
    make_list(alice, "Work")

    for name in ("work", "WORK", "inbox"):
        result = alice.request("POST", LISTS, json={"name": name})
        assert result.status_code == 409, name
        assert result.json["type"] == "/problems/list-name-taken"
    assert [item["name"] for item in lists_of(alice)] == ["Inbox", "Work"]


def test_bad_names_and_colors_are_400_naming_the_field(alice: Api) -> None:
    for body, field in (
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "ok", "color": "red"}, "color"),
        ({"name": "ok", "color": "#12345"}, "color"),
        ({}, "name"),
    ):
        result = alice.request("POST", LISTS, json=body)
        assert result.status_code == 400, body
        assert field in result.json["errors"], result.json
    assert len(lists_of(alice)) == 1


def test_the_inbox_can_be_renamed_but_not_deleted(alice: Api) -> None:
    inbox = lists_of(alice)[0]
    item = f"{LISTS}/{inbox['id']}"

    renamed = alice.request("PATCH", item, json={"name": "Unsorted"})
    assert renamed.status_code == 200 and renamed.json["name"] == "Unsorted"
    assert renamed.json["version"] == 2 and renamed.headers["ETag"] == '"2"'
    deleted = alice.request("DELETE", item)
    assert deleted.status_code == 409
    assert deleted.json["type"] == "/problems/inbox-not-deletable"
    assert lists_of(alice)[0]["is_inbox"] is True
    # the old name is free now, and an Inbox is never made twice
    assert make_list(alice, "Inbox")["is_inbox"] is False
    assert sum(item["is_inbox"] for item in lists_of(alice)) == 1


def test_put_replaces_and_if_match_guards_lists(alice: Api) -> None:
    made = make_list(alice, "Home", color="#00ff00")
    item = f"{LISTS}/{made['id']}"

    put = alice.request("PUT", item, json={"name": "House"}, headers={"If-Match": '"1"'})
    assert put.status_code == 200
    assert put.json["color"] is None and put.json["position"] == made["position"]
    stale = alice.request("PATCH", item, json={"name": "Flat"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.headers["ETag"] == '"2"'
    assert stale.json["current"]["name"] == "House" and stale.json["current"]["is_inbox"] is False
    gone = alice.request("DELETE", item, headers={"If-Match": '"1"'})
    assert gone.status_code == 412
    assert alice.request("GET", item).json["name"] == "House"
    cached = alice.request("GET", item, headers={"If-None-Match": '"2"'})
    assert cached.status_code == 304


def test_another_users_list_is_404_everywhere(alice: Api, bob: Api) -> None:
    mine = make_list(alice, "Private")
    item = f"{LISTS}/{mine['id']}"
    absent = f"{LISTS}/{uuid.uuid4()}"

    for path in (item, absent):
        assert bob.request("GET", path).status_code == 404
        assert bob.request("PATCH", path, json={"name": "x"}).status_code == 404
        assert bob.request("PUT", path, json={"name": "x"}).status_code == 404
        assert bob.request("DELETE", path).status_code == 404
        assert bob.request("POST", f"{path}/move", json={"after": None}).status_code == 404
    same = ("status", "type", "title", "detail")
    foreign, missing = bob.request("GET", item).json, bob.request("GET", absent).json
    assert {k: foreign[k] for k in same} == {k: missing[k] for k in same}
    assert alice.request("GET", item).json["name"] == "Private"
    assert [entry["name"] for entry in lists_of(bob)] == ["Inbox"]


def test_naming_another_users_list_is_the_same_400_as_an_absent_one(alice: Api, bob: Api) -> None:
    mine = make_list(alice, "Private")

    foreign = bob.request("POST", "/api/v1/tasks", json={"title": "x", "list_id": mine["id"]})
    absent = bob.request("POST", "/api/v1/tasks", json={"title": "x", "list_id": str(uuid.uuid4())})

    assert foreign.status_code == absent.status_code == 400
    assert foreign.json["errors"] == absent.json["errors"] == {"list_id": ["No such list."]}
    assert lists_of(alice)[1]["open_tasks"] == 0


def test_deleting_a_list_deletes_its_tasks_and_both_reach_the_sync_feed(alice: Api) -> None:
    doomed = make_list(alice, "Doomed")
    cursor = alice.request("GET", "/api/v1/sync").json["cursor"]
    parent = alice.create(title="parent", list_id=doomed["id"])
    child = alice.create(title="child", parent_id=parent["id"])
    kept = alice.create(title="kept")
    assert child["list_id"] == doomed["id"]

    assert alice.request("DELETE", f"{LISTS}/{doomed['id']}").status_code == 204

    assert alice.request("GET", f"/api/v1/tasks/{parent['id']}").status_code == 404
    assert alice.request("GET", f"/api/v1/tasks/{child['id']}").status_code == 404
    assert alice.request("GET", f"/api/v1/tasks/{kept['id']}").status_code == 200
    feed = alice.request("GET", "/api/v1/sync", params={"cursor": cursor}).json
    assert {parent["id"], child["id"]} <= set(feed["deleted"])
    assert feed["deleted_lists"] == [doomed["id"]]
    assert [entry["name"] for entry in lists_of(alice)] == ["Inbox"]


def test_open_tasks_counts_each_lists_open_tasks(alice: Api) -> None:
    work = make_list(alice, "Work")
    a = alice.create(title="a", list_id=work["id"])
    alice.create(title="b", list_id=work["id"])
    alice.create(title="c")
    alice.request("POST", f"/api/v1/tasks/{a['id']}/toggle")

    counts = {entry["name"]: entry["open_tasks"] for entry in lists_of(alice)}
    assert counts == {"Inbox": 1, "Work": 1}
    version = alice.request("GET", f"{LISTS}/{work['id']}").json["version"]
    assert version == 1  # derived: changes no version


def test_the_sync_feed_carries_list_changes(alice: Api) -> None:
    first = alice.request("GET", "/api/v1/sync").json
    assert [entry["name"] for entry in first["changed_lists"]] == ["Inbox"]
    assert first["deleted_lists"] == []

    work = make_list(alice, "Work")
    alice.request("PATCH", f"{LISTS}/{work['id']}", json={"color": "#112233"})
    feed = alice.request("GET", "/api/v1/sync", params={"cursor": first["cursor"]}).json

    assert [(entry["id"], entry["color"], entry["version"]) for entry in feed["changed_lists"]] == [
        (work["id"], "#112233", 2)
    ]
    assert feed["changed"] == [] and feed["deleted"] == []


def test_list_create_honours_idempotency_keys(alice: Api) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}

    first = alice.request("POST", LISTS, json={"name": "Once"}, headers=key)
    again = alice.request("POST", LISTS, json={"name": "Once"}, headers=key)

    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    assert [entry["name"] for entry in lists_of(alice)] == ["Inbox", "Once"]


def test_the_list_cap_is_a_409(config: Config) -> None:
    capped_app = create_app(replace(config, db_pool_max_size=2, max_lists_per_user=3))
    try:
        capped = Api(falcon.testing.TestClient(capped_app), f"user-{uuid.uuid4().hex[:12]}")
        assert [capped.request("POST", LISTS, json={"name": n}).status_code for n in "ab"] == [201, 201]
        refused = capped.request("POST", LISTS, json={"name": "c"})
        assert refused.status_code == 409 and refused.json["type"] == "/problems/list-limit-reached"
        assert len(lists_of(capped)) == 3
    finally:
        capped_app.close()
