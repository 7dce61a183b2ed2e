"""Subtasks over HTTP: parents in the same list, depth, cycles, and subtrees that complete, move,
die and recur together."""

from __future__ import annotations

import uuid

from tests.api import Api

TASKS = "/api/v1/tasks"


def make_list(api: Api, name: str) -> dict:
    result = api.request("POST", "/api/v1/lists", json={"name": name})
    assert result.status_code == 201, result.text
    return result.json


def get(api: Api, task: dict) -> dict:
    result = api.request("GET", f"{TASKS}/{task['id']}")
    assert result.status_code == 200, result.text
    return result.json


def chain(api: Api, depth: int, **fields: object) -> list[dict]:
    tasks = [api.create(title="level 1", **fields)]
    for level in range(2, depth + 1):
        tasks.append(api.create(title=f"level {level}", parent_id=tasks[-1]["id"]))
    return tasks


def test_a_subtask_goes_into_its_parents_list(alice: Api) -> None:
    work = make_list(alice, "Work")
    parent = alice.create(title="parent", list_id=work["id"])

    child = alice.create(title="child", parent_id=parent["id"])

    assert child["parent_id"] == parent["id"] and child["list_id"] == work["id"]
    wrong = alice.request(
        "POST",
        TASKS,
        json={
            "title": "x",
            "parent_id": parent["id"],
            "list_id": get(alice, alice.create(title="inbox task"))["list_id"],
        },
    )
    assert wrong.status_code == 400 and list(wrong.json["errors"]) == ["parent_id"]


def test_another_users_or_an_absent_parent_is_the_same_400(alice: Api, bob: Api) -> None:
    mine = alice.create(title="mine")

    foreign = bob.request("POST", TASKS, json={"title": "x", "parent_id": mine["id"]})
    absent = bob.request("POST", TASKS, json={"title": "x", "parent_id": str(uuid.uuid4())})

    assert foreign.status_code == absent.status_code == 400
    assert foreign.json["errors"] == absent.json["errors"] == {"parent_id": ["No such task."]}
    patch = bob.request("PATCH", f"{TASKS}/{bob.create()['id']}", json={"parent_id": mine["id"]})
    assert patch.status_code == 400 and patch.json["errors"] == {"parent_id": ["No such task."]}


def test_subtasks_nest_four_levels_deep_and_no_more(alice: Api) -> None:
    levels = chain(alice, 4)

    fifth = alice.request("POST", TASKS, json={"title": "level 5", "parent_id": levels[-1]["id"]})
    assert fifth.status_code == 400 and list(fifth.json["errors"]) == ["parent_id"]
    # a two-level subtree cannot go under level 3 either (it would reach level 5)
    pair = chain(alice, 2)
    moved = alice.request("PATCH", f"{TASKS}/{pair[0]['id']}", json={"parent_id": levels[2]["id"]})
    assert moved.status_code == 400 and list(moved.json["errors"]) == ["parent_id"]
    assert get(alice, pair[0])["parent_id"] is None
    assert (
        alice.request("PATCH", f"{TASKS}/{pair[0]['id']}", json={"parent_id": levels[1]["id"]}).status_code
        == 200
    )


def test_a_task_cannot_go_under_itself_or_its_subtasks(alice: Api) -> None:
    levels = chain(alice, 3)
    root = f"{TASKS}/{levels[0]['id']}"

    for target in (levels[0], levels[1], levels[2]):
        result = alice.request("PATCH", root, json={"parent_id": target["id"]})
        assert result.status_code == 400 and list(result.json["errors"]) == ["parent_id"], target["title"]
    assert get(alice, levels[0])["parent_id"] is None and get(alice, levels[0])["version"] == 1


def test_completing_a_task_completes_its_open_subtree_at_once(alice: Api) -> None:
    levels = chain(alice, 4)
    done_before = alice.create(title="already done", parent_id=levels[0]["id"], completed=True)

    toggled = alice.request("POST", f"{TASKS}/{levels[0]['id']}/toggle").json["task"]

    for task in levels[1:]:
        now = get(alice, task)
        assert now["completed"] is True and now["completed_at"] == toggled["completed_at"]
    assert get(alice, done_before)["completed_at"] == done_before["completed_at"]
    # reopening leaves the subtasks as they are
    alice.request("POST", f"{TASKS}/{levels[0]['id']}/toggle")
    assert get(alice, levels[0])["completed"] is False
    assert all(get(alice, task)["completed"] for task in levels[1:])


def test_deleting_a_task_deletes_its_subtree_each_in_the_sync_feed(alice: Api) -> None:
    levels = chain(alice, 3)
    sibling = alice.create(title="sibling")
    cursor = alice.request("GET", "/api/v1/sync").json["cursor"]

    assert alice.request("DELETE", f"{TASKS}/{levels[0]['id']}").status_code == 204

    for task in levels:
        assert alice.request("GET", f"{TASKS}/{task['id']}").status_code == 404
    assert get(alice, sibling)["title"] == "sibling"
    feed = alice.request("GET", "/api/v1/sync", params={"cursor": cursor}).json
    assert set(feed["deleted"]) == {task["id"] for task in levels}


def test_moving_a_parent_to_another_list_takes_its_subtree(alice: Api) -> None:
    levels = chain(alice, 3)
    work = make_list(alice, "Work")

    moved = alice.request("PATCH", f"{TASKS}/{levels[0]['id']}", json={"list_id": work["id"]})

    assert moved.status_code == 200 and moved.json["list_id"] == work["id"]
    assert all(get(alice, task)["list_id"] == work["id"] for task in levels)
    counts = {
        item["name"]: item["open_tasks"] for item in alice.request("GET", "/api/v1/lists").json["items"]
    }
    assert counts == {"Inbox": 0, "Work": 3}
    # a subtask alone cannot leave its parent's list
    alone = alice.request("PATCH", f"{TASKS}/{levels[2]['id']}", json={"list_id": levels[0]["list_id"]})
    assert alone.status_code == 400 and list(alone.json["errors"]) == ["parent_id"]


def test_listing_filters_by_list_and_parent(alice: Api) -> None:
    work = make_list(alice, "Work")
    parent = alice.create(title="parent", list_id=work["id"])
    children = [alice.create(title=f"child {i}", parent_id=parent["id"]) for i in range(3)]
    top = alice.create(title="top")

    def ids(**params: str) -> list[str]:
        result = alice.request("GET", TASKS, params={"sort_by": "position", **params})
        assert result.status_code == 200, result.text
        return [task["id"] for task in result.json["items"]]

    # positions order siblings; a parent and its first subtask share 0, and ids break the tie
    assert ids(list_id=work["id"]) == [parent["id"], *(c["id"] for c in children)]
    assert ids(parent_id=parent["id"]) == [c["id"] for c in children]
    assert set(ids(parent_id="none")) == {parent["id"], top["id"]}
    assert ids(list_id=work["id"], parent_id="none") == [parent["id"]]
    bad = alice.request("GET", TASKS, params={"parent_id": "nobody"})
    assert bad.status_code == 400 and "parent_id" in bad.json["errors"]


def test_no_recurring_task_under_a_recurring_task(alice: Api) -> None:
    rule = {"due_date": "2030-01-07T09:00:00+00:00", "recurrence_rule": "FREQ=WEEKLY"}
    parent = alice.create(title="weekly", **rule)

    under = alice.request("POST", TASKS, json={"title": "x", "parent_id": parent["id"], **rule})
    assert under.status_code == 400 and list(under.json["errors"]) == ["recurrence_rule"]
    plain = alice.create(title="plain child", parent_id=parent["id"])
    patched = alice.request("PATCH", f"{TASKS}/{plain['id']}", json=rule)
    assert patched.status_code == 400 and list(patched.json["errors"]) == ["recurrence_rule"]
    # a rule on a task that has a recurring subtask
    top = alice.create(title="top")
    alice.create(title="recurring child", parent_id=top["id"], **rule)
    above = alice.request("PATCH", f"{TASKS}/{top['id']}", json=rule)
    assert above.status_code == 400 and list(above.json["errors"]) == ["recurrence_rule"]
    # moving a recurring subtree under a recurring task
    other = alice.create(title="other weekly", **rule)
    moved = alice.request("PATCH", f"{TASKS}/{other['id']}", json={"parent_id": parent["id"]})
    assert moved.status_code == 400 and list(moved.json["errors"]) == ["parent_id"]
    assert get(alice, other)["parent_id"] is None


def test_a_recurring_parent_rolls_over_with_a_fresh_open_copy_of_its_subtree(alice: Api) -> None:
    parent = alice.create(
        title="weekly review", due_date="2030-01-07T09:00:00+00:00", recurrence_rule="FREQ=WEEKLY"
    )
    step = alice.create(
        title="inbox zero",
        parent_id=parent["id"],
        priority="high",
        tags=["mail"],
        description="all of it",
        position=7,
    )
    sub = alice.create(title="archive", parent_id=step["id"], completed=True)

    done = alice.request("POST", f"{TASKS}/{parent['id']}/toggle").json
    successor = done["next_task"]

    assert successor is not None and successor["list_id"] == parent["list_id"]
    children = alice.request("GET", TASKS, params={"parent_id": successor["id"]}).json["items"]
    assert [
        (c["title"], c["priority"], c["tags"], c["description"], c["position"], c["completed"])
        for c in children
    ] == [("inbox zero", "high", ["mail"], "all of it", 7, False)]
    grandchildren = alice.request("GET", TASKS, params={"parent_id": children[0]["id"]}).json["items"]
    assert [(g["title"], g["completed"]) for g in grandchildren] == [("archive", False)]
    assert children[0]["id"] != step["id"] and grandchildren[0]["id"] != sub["id"]
    # the completed occurrence's subtree is completed with it, and stays
    assert get(alice, step)["completed"] is True
    # completing again (reopen, complete) makes no second copy
    alice.request("POST", f"{TASKS}/{parent['id']}/toggle")
    again = alice.request("POST", f"{TASKS}/{parent['id']}/toggle").json
    assert again["next_task"] is None
    everything = alice.request("GET", TASKS, params={"limit": "100"}).json["items"]
    assert sum(task["title"] == "inbox zero" for task in everything) == 2


def test_a_put_without_list_and_parent_puts_the_task_at_the_top_of_the_inbox(alice: Api) -> None:
    work = make_list(alice, "Work")
    parent = alice.create(title="parent", list_id=work["id"])
    child = alice.create(title="child", parent_id=parent["id"])

    kept = alice.request("PUT", f"{TASKS}/{child['id']}", json={"title": "child", "parent_id": parent["id"]})
    assert (
        kept.status_code == 200
        and kept.json["list_id"] == work["id"]
        and kept.json["parent_id"] == parent["id"]
    )
    moved = alice.request("PUT", f"{TASKS}/{child['id']}", json={"title": "child"})
    assert moved.status_code == 200 and moved.json["parent_id"] is None
    assert moved.json["list_id"] == alice.request("GET", "/api/v1/lists").json["items"][0]["id"]
