"""The task endpoints' success paths: create, read, list, replace, patch, delete, toggle."""

from __future__ import annotations

import uuid

from tests.api import Api


def test_create_returns_201_with_location_etag_and_defaults(alice: Api) -> None:
    result = alice.request("POST", "/api/v1/tasks", json={"title": "Buy milk"})

    assert result.status_code == 201
    task = result.json
    assert result.headers["Location"] == f"/api/v1/tasks/{task['id']}"
    assert result.headers["ETag"] == '"1"'
    assert uuid.UUID(task["id"]).version == 7
    assert task == {
        **task,
        "user_id": alice.user_id,
        "title": "Buy milk",
        "description": None,
        "completed": False,
        "completed_at": None,
        "priority": "medium",
        "tags": [],
        "due_date": None,
        "reminder_at": None,
        "timezone": "UTC",
        "recurrence_rule": None,
        "recurrence_anchor": "due",
        "is_recurring": False,
        "position": 0,
        "version": 1,
    }
    assert task["created_at"].endswith("+00:00") and task["updated_at"] == task["created_at"]


def test_create_normalises_title_tags_and_priority(alice: Api) -> None:
    task = alice.create(title="  Plan trip  ", tags=[" Travel", "travel", "TRAVEL ", "fun"], priority="HiGh")

    assert task["title"] == "Plan trip"
    assert task["tags"] == ["Travel", "fun"]
    assert task["priority"] == "high"


def test_create_ignores_read_only_fields(alice: Api) -> None:
    forged = {
        "id": str(uuid.uuid4()),
        "user_id": "someone-else",
        "version": 99,
        "completed_at": "2020-01-01T00:00:00+00:00",
        "is_recurring": True,
        "created_at": "2020-01-01T00:00:00+00:00",
        "updated_at": "2020-01-01T00:00:00+00:00",
    }
    task = alice.create(title="mine", **forged)

    assert task["id"] != forged["id"]
    assert task["user_id"] == alice.user_id
    assert task["version"] == 1 and task["completed_at"] is None and task["is_recurring"] is False
    assert not task["created_at"].startswith("2020")


def test_create_keeps_offsets_as_instants_in_utc(alice: Api) -> None:
    task = alice.create(due_date="2026-11-22T10:00:00+01:00", reminder_at="2026-11-22T08:30:00Z")

    assert task["due_date"] == "2026-11-22T09:00:00+00:00"
    assert task["reminder_at"] == "2026-11-22T08:30:00+00:00"


def test_create_completed_sets_completed_at(alice: Api) -> None:
    task = alice.create(completed=True)

    assert task["completed"] is True and task["completed_at"] is not None


def test_get_returns_task_with_etag(alice: Api) -> None:
    task = alice.create(title="read me")

    result = alice.request("GET", f"/api/v1/tasks/{task['id']}")

    assert result.status_code == 200
    assert result.json == task
    assert result.headers["ETag"] == '"1"'
    assert result.headers["Cache-Control"] == "private, no-cache"


def test_get_with_matching_if_none_match_is_304(alice: Api) -> None:
    task = alice.create()
    path = f"/api/v1/tasks/{task['id']}"

    assert alice.request("GET", path, headers={"If-None-Match": '"1"'}).status_code == 304
    assert alice.request("GET", path, headers={"If-None-Match": "*"}).status_code == 304
    assert alice.request("GET", path, headers={"If-None-Match": '"7"'}).status_code == 200


def test_list_is_newest_first_with_total_and_paging(alice: Api) -> None:
    ids = [alice.create(title=f"task {n}")["id"] for n in range(5)]

    first = alice.request("GET", "/api/v1/tasks", params={"limit": "2"}).json
    rest = alice.request("GET", "/api/v1/tasks", params={"limit": "2", "offset": "2"}).json
    beyond = alice.request("GET", "/api/v1/tasks", params={"offset": "10"}).json

    assert first["total"] == 5 and first["limit"] == 2 and first["offset"] == 0
    assert [t["id"] for t in first["items"] + rest["items"]] == ids[::-1][:4]
    assert beyond["items"] == [] and beyond["total"] == 5


def test_list_of_a_new_user_is_empty(alice: Api) -> None:
    page = alice.request("GET", "/api/v1/tasks").json

    assert page["items"] == [] and page["total"] == 0 and page["limit"] == 50 and page["offset"] == 0


def test_put_replaces_and_resets_omitted_fields_to_defaults(alice: Api) -> None:
    task = alice.create(title="old", description="d", tags=["x"], priority="high", position=3)

    result = alice.request("PUT", f"/api/v1/tasks/{task['id']}", json={"title": "new"})

    assert result.status_code == 200
    replaced = result.json
    assert replaced["title"] == "new"
    assert replaced["description"] is None and replaced["tags"] == [] and replaced["priority"] == "medium"
    assert replaced["position"] == 0
    assert replaced["version"] == 2 and result.headers["ETag"] == '"2"'
    assert replaced["created_at"] == task["created_at"] and replaced["updated_at"] > task["updated_at"]


def test_patch_changes_only_the_fields_sent(alice: Api) -> None:
    task = alice.create(title="keep", description="old", tags=["a"], due_date="2026-12-01T09:00:00Z")

    result = alice.request("PATCH", f"/api/v1/tasks/{task['id']}", json={"description": "new"})

    assert result.status_code == 200
    assert result.json == {
        **task,
        "description": "new",
        "version": 2,
        "updated_at": result.json["updated_at"],
    }


def test_patch_null_clears_a_nullable_field(alice: Api) -> None:
    task = alice.create(description="text", due_date="2026-12-01T09:00:00Z")

    patched = alice.request(
        "PATCH", f"/api/v1/tasks/{task['id']}", json={"description": None, "due_date": None}
    ).json

    assert patched["description"] is None and patched["due_date"] is None


def test_patch_completed_sets_and_clears_completed_at(alice: Api) -> None:
    task = alice.create()
    path = f"/api/v1/tasks/{task['id']}"

    done = alice.request("PATCH", path, json={"completed": True}).json
    reopened = alice.request("PATCH", path, json={"completed": False}).json

    assert done["completed"] is True and done["completed_at"] is not None
    assert reopened["completed"] is False and reopened["completed_at"] is None


def test_delete_is_204_then_404(alice: Api) -> None:
    task = alice.create()
    path = f"/api/v1/tasks/{task['id']}"

    first = alice.request("DELETE", path)
    second = alice.request("DELETE", path)

    assert first.status_code == 204 and first.text == ""
    assert second.status_code == 404
    assert alice.request("GET", path).status_code == 404


def test_toggle_flips_completed_and_returns_no_next_task_for_a_plain_task(alice: Api) -> None:
    task = alice.create()
    path = f"/api/v1/tasks/{task['id']}/toggle"

    done = alice.request("POST", path)
    undone = alice.request("POST", path)

    assert done.status_code == 200 and done.headers["ETag"] == '"2"'
    assert done.json["task"]["completed"] is True and done.json["task"]["completed_at"] is not None
    assert done.json["next_task"] is None
    assert undone.json["task"]["completed"] is False and undone.json["task"]["completed_at"] is None
    assert undone.json["task"]["version"] == 3


def test_toggle_of_a_recurring_task_creates_the_next_occurrence(alice: Api) -> None:
    task = alice.create(due_date="2026-11-23T09:00:00Z", recurrence_rule="FREQ=DAILY")

    result = alice.request("POST", f"/api/v1/tasks/{task['id']}/toggle").json

    assert result["next_task"]["due_date"] == "2026-11-24T09:00:00+00:00"
    assert result["next_task"]["completed"] is False and result["next_task"]["title"] == task["title"]


def test_patch_completion_of_a_recurring_task_links_the_next_occurrence(alice: Api) -> None:
    task = alice.create(due_date="2026-11-23T09:00:00Z", recurrence_rule="FREQ=WEEKLY")

    result = alice.request("PATCH", f"/api/v1/tasks/{task['id']}", json={"completed": True})

    link = result.headers["Link"]
    assert "rel=next-occurrence" in link
    next_path = link.split(">")[0].lstrip("<")
    assert alice.request("GET", next_path).json["due_date"] == "2026-11-30T09:00:00+00:00"


def test_trailing_slash_is_the_same_resource(alice: Api) -> None:
    assert alice.request("GET", "/api/v1/tasks/").status_code == 200
