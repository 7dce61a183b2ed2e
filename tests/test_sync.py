"""GET /api/v1/sync: every change and deletion since a cursor, oldest first, only the caller's."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from taskapi.cursors.sync import Cursor
from taskapi.db import load_queries
from taskapi.store import Position, SyncStore, TaskStore
from tests.api import Api

SYNC = "/api/v1/sync"
TASKS = "/api/v1/tasks"


def sync(api: Api, cursor: str | None = None, **params: Any) -> dict[str, Any]:
    if cursor is not None:
        params["cursor"] = cursor
    result = api.request("GET", SYNC, params=params)
    assert result.status_code == 200, result.text
    return result.json


def sync_resource(api: Api) -> Any:
    return api.client.app._router.find(SYNC)[0]


def test_without_cursor_gives_every_task_of_the_caller_only(alice: Api, bob: Api) -> None:
    mine = [alice.create(title=f"mine {i}")["id"] for i in range(3)]
    bob.create(title="theirs")
    feed = sync(alice)
    assert [task["id"] for task in feed["changed"]] == mine
    assert feed["deleted"] == [] and feed["has_more"] is False
    assert all(task["user_id"] == alice.user_id for task in feed["changed"])


def test_after_cursor_gives_only_later_changes_oldest_first(alice: Api, bob: Api) -> None:
    first, second = alice.create(title="first"), alice.create(title="second")
    cursor = sync(alice)["cursor"]
    assert sync(alice, cursor)["changed"] == []
    alice.request("PATCH", f"{TASKS}/{first['id']}", json={"title": "first, edited"})
    bob.create(title="not alice's")
    third = alice.create(title="third")
    feed = sync(alice, cursor)
    assert [(t["id"], t["title"]) for t in feed["changed"]] == [
        (first["id"], "first, edited"),
        (third["id"], "third"),
    ]
    assert second["id"] not in [t["id"] for t in feed["changed"]]
    assert sync(alice, feed["cursor"])["changed"] == []


def test_every_kind_of_write_shows_in_the_feed(alice: Api) -> None:
    put_task, patch_task = alice.create(title="put"), alice.create(title="patch")
    series = alice.create(title="series", due_date="2026-11-23T09:00:00+00:00", recurrence_rule="FREQ=DAILY")
    doomed = alice.create(title="doomed")
    cursor = sync(alice)["cursor"]
    alice.request("PUT", f"{TASKS}/{put_task['id']}", json={"title": "put again"})
    alice.request("PATCH", f"{TASKS}/{patch_task['id']}", json={"priority": "high"})
    toggled = alice.request("POST", f"{TASKS}/{series['id']}/toggle").json
    assert alice.request("DELETE", f"{TASKS}/{doomed['id']}").status_code == 204
    feed = sync(alice, cursor)
    changed = {t["id"]: t for t in feed["changed"]}
    assert changed[put_task["id"]]["title"] == "put again"
    assert changed[patch_task["id"]]["priority"] == "high"
    assert changed[series["id"]]["completed"] is True
    assert toggled["next_task"]["id"] in changed  # the next occurrence is a change too
    assert feed["deleted"] == [doomed["id"]]


def test_deletions_come_as_ids_and_not_in_a_full_sync(alice: Api) -> None:
    keep, gone = alice.create(title="keep"), alice.create(title="gone")
    cursor = sync(alice)["cursor"]
    alice.request("DELETE", f"{TASKS}/{gone['id']}")
    short_lived = alice.create(title="short lived")
    alice.request("DELETE", f"{TASKS}/{short_lived['id']}")
    feed = sync(alice, cursor)
    assert feed["changed"] == []
    assert feed["deleted"] == [gone["id"], short_lived["id"]]
    full = sync(alice)
    assert [t["id"] for t in full["changed"]] == [keep["id"]] and full["deleted"] == []


def test_pages_of_limit_with_has_more_cover_everything_once(alice: Api) -> None:
    ids = [alice.create(title=f"t{i}")["id"] for i in range(7)]
    seen, cursor, pages = [], None, 0
    while True:
        feed = sync(alice, cursor, limit=3)
        pages += 1
        seen += [t["id"] for t in feed["changed"]]
        cursor = feed["cursor"]
        if not feed["has_more"]:
            break
    assert seen == ids
    assert pages == 3


def test_at_most_500_changes_a_call(alice: Api) -> None:
    assert alice.request("GET", SYNC, params={"limit": "501"}).status_code == 400
    assert alice.request("GET", SYNC, params={"limit": "0"}).status_code == 400


@pytest.mark.parametrize(
    "bad", ["garbage", "", "A" * 60, "////", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]
)
def test_a_cursor_not_issued_by_the_api_is_400_naming_it(alice: Api, bad: str) -> None:
    result = alice.request("GET", SYNC, params={"cursor": bad})
    assert result.status_code == 400
    assert "cursor" in result.json["errors"]


def test_a_tampered_cursor_is_400(alice: Api) -> None:
    alice.create()
    cursor = sync(alice)["cursor"]
    tampered = cursor[:10] + ("A" if cursor[10] != "A" else "B") + cursor[11:]
    assert tampered != cursor
    result = alice.request("GET", SYNC, params={"cursor": tampered})
    assert result.status_code == 400
    assert "cursor" in result.json["errors"]
    assert alice.request("GET", SYNC, params={"cursor": cursor}).status_code == 200  # the real one works


def test_another_users_cursor_is_400(alice: Api, bob: Api) -> None:
    alice.create()
    cursor = sync(alice)["cursor"]
    result = bob.request("GET", SYNC, params={"cursor": cursor})
    assert result.status_code == 400
    assert "cursor" in result.json["errors"]


def test_unknown_parameter_is_400_naming_it(alice: Api) -> None:
    result = alice.request("GET", SYNC, params={"since": "1"})
    assert result.status_code == 400
    assert "since" in result.json["errors"]


def test_a_cursor_older_than_the_retention_is_410(alice: Api) -> None:
    codec = sync_resource(alice).cursors
    old = datetime.now(UTC) - timedelta(days=31)
    cursor = codec.encode(alice.user_id, Cursor(Position(1, 1), Position(0, 0), old))
    result = alice.request("GET", SYNC, params={"cursor": cursor})
    assert result.status_code == 410
    assert result.json["type"] == "/problems/sync-cursor-expired"
    recent = codec.encode(
        alice.user_id, Cursor(Position(1, 1), Position(0, 0), datetime.now(UTC) - timedelta(days=29))
    )
    assert alice.request("GET", SYNC, params={"cursor": recent}).status_code == 200


def test_a_cursor_behind_a_purged_tombstone_is_410_and_a_full_sync_still_works(
    alice: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    resource = sync_resource(alice)
    keep, gone = alice.create(title="keep"), alice.create(title="gone")
    cursor = sync(alice)["cursor"]
    alice.request("DELETE", f"{TASKS}/{gone['id']}")
    # tombstones kept for no time at all: the next sync purges the deletion this cursor needs
    monkeypatch.setattr(resource, "store", SyncStore(resource.store._db, load_queries(), timedelta(0)))
    result = alice.request("GET", SYNC, params={"cursor": cursor})
    assert result.status_code == 410
    full = sync(alice)
    assert [t["id"] for t in full["changed"]] == [keep["id"]]
    again = sync(alice, full["cursor"])  # the deletion purged before the full sync concerns it not
    assert again["changed"] == [] and again["deleted"] == []


def test_a_slower_transaction_committing_after_a_faster_one_is_not_skipped(
    alice: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trap of sequence numbers: A takes its number first but commits last. A feed ordered by
    number alone would hand out B, move the cursor past A's number, and never show A."""
    slow, fast = alice.create(title="slow"), alice.create(title="fast")
    cursor = sync(alice)["cursor"]
    inside, release = threading.Event(), threading.Event()
    original = TaskStore._roll_over

    def held_open(self: TaskStore, conn: Any, user_id: str, task: dict, *args: Any) -> Any:
        if task["title"] == "slow, edited":  # A has written its row and not committed yet
            inside.set()
            release.wait(10)
        return original(self, conn, user_id, task, *args)

    monkeypatch.setattr(TaskStore, "_roll_over", held_open)
    results: dict[str, Any] = {}
    # completing it makes A a transaction of several statements (a PATCH of fields alone is
    # one statement, committed as it runs): held open between its write and its commit
    edit = {"title": "slow, edited", "completed": True}
    writer = threading.Thread(
        target=lambda: results.update(a=alice.request("PATCH", f"{TASKS}/{slow['id']}", json=edit))
    )
    writer.start()
    try:
        assert inside.wait(10)
        b = alice.request("PATCH", f"{TASKS}/{fast['id']}", json={"title": "fast, edited"})
        assert b.status_code == 200
        during = sync(alice, cursor)  # B has committed, A has not
    finally:
        release.set()
        writer.join(10)
    assert results["a"].status_code == 200
    after = sync(alice, during["cursor"])
    seen = [(t["id"], t["title"]) for t in during["changed"] + after["changed"]]
    assert (slow["id"], "slow, edited") in seen
    assert (fast["id"], "fast, edited") in seen
    assert during["changed"] == []  # B waits until A, which took its position first, is done
    assert [t["title"] for t in after["changed"]] == ["slow, edited", "fast, edited"]
