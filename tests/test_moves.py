"""Moving and ordering over HTTP: server-computed positions that never collide or degrade, and
only the tasks whose position changed get a new version and a place in the sync feed."""

from __future__ import annotations

import uuid

from tests.api import Api

TASKS = "/api/v1/tasks"


def move(api: Api, task: dict, *, headers: dict[str, str] | None = None, **body: object) -> dict:
    result = api.request("POST", f"{TASKS}/{task['id']}/move", json=body, headers=headers)
    assert result.status_code == 200, result.text
    return result.json


def order(api: Api, **params: str) -> list[str]:
    items: list[dict] = []
    query = {"sort_by": "position", "parent_id": "none", "limit": "100", **params}
    while True:
        page = api.request("GET", TASKS, params=query).json
        items += page["items"]
        if not page["next_cursor"]:
            return [task["id"] for task in items]
        query["cursor"] = page["next_cursor"]


def positions(api: Api) -> list[int]:
    query = {"sort_by": "position", "parent_id": "none", "limit": "100"}
    return [task["position"] for task in api.request("GET", TASKS, params=query).json["items"]]


def test_new_tasks_go_after_the_last_sibling(alice: Api) -> None:
    tasks = [alice.create(title=f"t{i}") for i in range(3)]

    assert order(alice) == [t["id"] for t in tasks]
    assert len(set(positions(alice))) == 3


def test_move_puts_a_task_directly_after_a_sibling_or_first(alice: Api) -> None:
    a, b, c = (alice.create(title=name) for name in "abc")

    moved = move(alice, c, after=a["id"])
    assert order(alice) == [a["id"], c["id"], b["id"]]
    assert moved["version"] == 2
    move(alice, b, after=None)
    assert order(alice) == [b["id"], a["id"], c["id"]]


def test_a_thousand_moves_into_one_gap_keep_a_strict_order(alice: Api) -> None:
    first, last = alice.create(title="first"), alice.create(title="last")
    movers = [alice.create(title=f"m{i}") for i in range(10)]
    expected = [first["id"], last["id"], *(m["id"] for m in movers)]
    for i in range(1000):
        task = movers[i % len(movers)]
        move(alice, task, after=first["id"])
        expected.remove(task["id"])
        expected.insert(1, task["id"])

    assert order(alice) == expected
    assert len(set(positions(alice))) == len(expected)


def test_only_siblings_whose_position_changed_get_a_version_and_a_sync_entry(alice: Api) -> None:
    tasks = [alice.create(title=f"t{i}", position=i) for i in range(6)]  # packed: no gaps
    cursor = alice.request("GET", "/api/v1/sync").json["cursor"]
    before = {t["id"]: t for t in alice.request("GET", TASKS, params={"limit": "100"}).json["items"]}

    move(alice, tasks[5], after=tasks[1]["id"])

    after = {t["id"]: t for t in alice.request("GET", TASKS, params={"limit": "100"}).json["items"]}
    changed = {i for i in after if after[i]["position"] != before[i]["position"]}
    bumped = {i for i in after if after[i]["version"] != before[i]["version"]}
    assert changed == bumped and tasks[5]["id"] in changed
    assert len(changed) < len(tasks)  # the siblings before the gap kept theirs
    feed = alice.request("GET", "/api/v1/sync", params={"cursor": cursor}).json
    assert {t["id"] for t in feed["changed"]} == changed
    assert order(alice) == [t["id"] for t in (tasks[0], tasks[1], tasks[5], tasks[2], tasks[3], tasks[4])]


def test_move_takes_a_subtree_to_another_list_and_parent(alice: Api) -> None:
    work = alice.request("POST", "/api/v1/lists", json={"name": "Work"}).json
    root = alice.create(title="root")
    child = alice.create(title="child", parent_id=root["id"])
    target = alice.create(title="target", list_id=work["id"])

    moved = move(alice, root, list_id=work["id"], parent_id=target["id"], after=None)

    assert moved["list_id"] == work["id"] and moved["parent_id"] == target["id"]
    assert alice.request("GET", f"{TASKS}/{child['id']}").json["list_id"] == work["id"]
    # parent_id alone: the parent's list
    back = move(
        alice,
        child,
        parent_id=None,
        list_id=alice.request("GET", "/api/v1/lists").json["items"][0]["id"],
        after=None,
    )
    assert back["parent_id"] is None


def test_after_must_be_a_sibling_in_the_target_group(alice: Api, bob: Api) -> None:
    a, b = alice.create(title="a"), alice.create(title="b")
    child = alice.create(title="child", parent_id=a["id"])
    theirs = bob.create(title="theirs")

    for after in (child["id"], theirs["id"], str(uuid.uuid4()), b["id"]):
        result = alice.request("POST", f"{TASKS}/{b['id']}/move", json={"after": after})
        assert result.status_code == 400, after
        assert list(result.json["errors"]) == ["after"]
    missing = alice.request("POST", f"{TASKS}/{b['id']}/move", json={})
    assert missing.status_code == 400 and "after" in missing.json["errors"]
    assert alice.request("GET", f"{TASKS}/{b['id']}").json["version"] == 1


def test_move_honours_if_match_and_idempotency_keys(alice: Api) -> None:
    a, b = alice.create(title="a"), alice.create(title="b")
    path = f"{TASKS}/{a['id']}/move"

    stale = alice.request("POST", path, json={"after": b["id"]}, headers={"If-Match": '"7"'})
    assert stale.status_code == 412 and stale.json["current"]["id"] == a["id"]
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = alice.request("POST", path, json={"after": b["id"]}, headers=key)
    again = alice.request("POST", path, json={"after": b["id"]}, headers=key)
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    assert alice.request("GET", f"{TASKS}/{a['id']}").json["version"] == 2


def test_lists_move_the_same_way(alice: Api, bob: Api) -> None:
    inbox = alice.request("GET", "/api/v1/lists").json["items"][0]
    work, home = (alice.request("POST", "/api/v1/lists", json={"name": n}).json for n in ("Work", "Home"))

    moved = alice.request("POST", f"/api/v1/lists/{home['id']}/move", json={"after": None})
    assert moved.status_code == 200 and moved.json["version"] == 2
    alice.request("POST", f"/api/v1/lists/{inbox['id']}/move", json={"after": work["id"]})
    names = [item["name"] for item in alice.request("GET", "/api/v1/lists").json["items"]]
    assert names == ["Home", "Work", "Inbox"]
    theirs = bob.request("GET", "/api/v1/lists").json["items"][0]["id"]
    for after in (home["id"], theirs, str(uuid.uuid4())):
        bad = alice.request("POST", f"/api/v1/lists/{home['id']}/move", json={"after": after})
        assert bad.status_code == 400 and list(bad.json["errors"]) == ["after"], after
    stale = alice.request(
        "POST", f"/api/v1/lists/{home['id']}/move", json={"after": None}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 412 and stale.json["current"]["name"] == "Home"
