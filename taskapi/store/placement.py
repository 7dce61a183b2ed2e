"""Where a written task goes: its list, parent and position, decided in the writing transaction
with the lists concerned locked first, and the rules only the database can check."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg
from uuid_utils.compat import uuid7

from taskapi.domain.errors import Invalid
from taskapi.domain.ordering import GAP, INT_MAX, INT_MIN, Placement, Sibling, place_after
from taskapi.store.newtasks import NewTasks

Row = dict[str, Any]
Conn = psycopg.Connection[Row]
MAX_DEPTH = 4  # a task, its subtasks, theirs, theirs
NIL = UUID(int=0)
# retries of the Inbox upsert: a concurrent first request's Inbox is visible to the next statement
INBOX_ATTEMPTS = 3

MESSAGES = {
    "list_id": "No such list.",
    "parent_id": "No such task.",
    "parent_list": "A subtask is in its parent's list: leave list_id out, or give the parent's.",
    "cycle": "A task cannot be put under itself or one of its subtasks.",
    "depth": f"Subtasks nest at most {MAX_DEPTH} levels deep (a task, its subtasks, theirs, theirs).",
    "recurring_ancestor": "A task under a recurring task cannot recur, nor one with a recurring subtask.",
    "recurring_move": "The move would put a recurring task under a recurring task.",
    "after": "Not a task of the target list and parent (or the task itself).",
}


class NeedLocks(Exception):
    """The write needs the locks of `lists` too; a writer holding locks already (taken in id
    order) must start again holding all of them, never take one out of order."""

    def __init__(self, lists: set[UUID]) -> None:
        super().__init__("more list locks needed")
        self.lists = lists


@dataclass(frozen=True)
class MoveAfter:
    """A position the server computes: directly after sibling `id` (None: first)."""

    id: UUID | None


@dataclass
class Place:
    """A task's resolved list, parent and position; the siblings that had to move to make room;
    its subtree (shallowest first) and what the write does to it."""

    list_id: UUID
    parent_id: UUID | None
    position: int
    moved: dict[UUID, int] = field(default_factory=dict)
    subtree: list[Row] = field(default_factory=list)
    list_changed: bool = False


class Placer:
    def __init__(self, queries: Mapping[str, bytes]) -> None:
        self._q = {
            name: queries[name]
            for name in (
                "lists/ensure_inbox",
                "lists/lock_inbox",
                "lists/lock",
                "tasks/get",
                "tasks/ancestors",
                "tasks/descendants",
                "tasks/siblings",
                "tasks/last_sibling",
                "tasks/set_positions",
                "tasks/move_to_list",
            )
        }

    def inbox(self, conn: Conn, user_id: str, *, lock: bool = False) -> Row:
        """The user's Inbox (with `lock`, locked), created if they have none (an upsert: one
        Inbox, however many first requests arrive at once)."""
        query = self._q["lists/lock_inbox" if lock else "lists/ensure_inbox"]
        for _ in range(INBOX_ATTEMPTS):
            row = conn.execute(query, {"user_id": user_id, "id": uuid7()}).fetchone()
            if row is not None:
                return row
        raise RuntimeError("the Inbox upsert found no Inbox")

    def _inbox(self, conn: Conn, user_id: str, new: NewTasks | None) -> Row:
        """The Inbox; for new tasks (`new`), read once per run, and locked in the same statement
        (one round trip instead of two: their list is all a run of creates into the Inbox locks)."""
        if new is None:
            return self.inbox(conn, user_id)
        if new.inbox is None:
            first = not new.locked  # a lock after others would be out of id order: lock_lists then
            new.inbox = self.inbox(conn, user_id, lock=first)
            if first:
                new.locked.add(new.inbox["id"])
        return new.inbox

    def _lock_new(
        self, conn: Conn, user_id: str, wanted: set[UUID], target: UUID, new: NewTasks | None
    ) -> bool:
        """Lock `wanted` (unless `new`'s transaction holds them already); whether `target` exists."""
        if new is not None and wanted <= new.locked:
            return True  # locked (so there, and staying) by an earlier task of the run
        locked = self.lock_lists(conn, user_id, wanted)
        if new is not None:
            new.locked |= locked.keys()
        return target in locked

    def lock_lists(self, conn: Conn, user_id: str, ids: Iterable[UUID]) -> dict[UUID, Row]:
        rows = conn.execute(self._q["lists/lock"], {"user_id": user_id, "ids": sorted(set(ids))}).fetchall()
        return {row["id"]: row for row in rows}

    def place(
        self,
        conn: Conn,
        user_id: str,
        current: Row | None,
        merged: Row,
        fields: Mapping[str, Any],
        held: set[UUID] | None = None,
        new: NewTasks | None = None,
    ) -> Place:
        """Resolve and check where `merged` (the task `current` after this write; None: a new task
        with `merged["id"]`, one of `new` when given) goes. Locks the lists concerned, in id order,
        before reading tasks; with `held` (lists this transaction locked already) raises NeedLocks
        for any other."""
        parent_id, list_id = merged["parent_id"], merged["list_id"]
        if parent_id is not None:
            parent = self._task(conn, user_id, parent_id)
            if parent is None:
                raise Invalid({"parent_id": [MESSAGES["parent_id"]]})
            target = parent["list_id"] if list_id is None else list_id
        elif list_id is None:
            target = self._inbox(conn, user_id, new)["id"]
        else:
            target = list_id
        if current is not None and stays(current, merged, target):
            # nothing the lists' order, counts or trees depend on changes: no list lock needed
            return Place(target, parent_id, current["position"])
        wanted = {target, *([current["list_id"]] if current else [])}
        if held is not None and not wanted <= held:
            raise NeedLocks(wanted - held)
        if held is None and not self._lock_new(conn, user_id, wanted, target, new):
            raise Invalid({"list_id": [MESSAGES["list_id"]]})
        if held is not None and target not in self.lock_lists(conn, user_id, [target]):
            raise Invalid({"list_id": [MESSAGES["list_id"]]})  # held: re-reads it, waits for nothing
        chain = self._ancestors(conn, user_id, parent_id, target) if parent_id is not None else []
        subtree = self._descendants(conn, user_id, current["id"]) if current else []
        self._check_tree(current, merged, chain, subtree)
        position = self._position(conn, user_id, current, merged, fields, target, new)
        return Place(
            target,
            parent_id,
            position.position,
            position.moved,
            subtree,
            list_changed=current is not None and current["list_id"] != target,
        )

    def apply(self, conn: Conn, user_id: str, place: Place) -> None:
        """What follows the task's own write: siblings moved to make room, the subtree to the list."""
        self.set_positions(conn, user_id, place.moved)
        if place.list_changed and place.subtree:
            params = {"user_id": user_id, "list_id": place.list_id, "ids": [t["id"] for t in place.subtree]}
            conn.execute(self._q["tasks/move_to_list"], params)

    def set_positions(self, conn: Conn, user_id: str, moved: Mapping[UUID, int]) -> None:
        if moved:
            params = {"user_id": user_id, "ids": list(moved), "positions": list(moved.values())}
            conn.execute(self._q["tasks/set_positions"], params)

    def after(self, conn: Conn, user_id: str, list_id: UUID, parent_id: UUID | None, task: Row) -> Placement:
        """Directly after `task` in its group (where a series' next occurrence goes)."""
        return place_after(
            Sibling(task["id"], task["position"]), self._following(conn, user_id, list_id, parent_id, NIL)
        )

    def descendants(self, conn: Conn, user_id: str, task_id: UUID) -> list[Row]:
        return self._descendants(conn, user_id, task_id)

    def _task(self, conn: Conn, user_id: str, task_id: UUID) -> Row | None:
        return conn.execute(self._q["tasks/get"], {"user_id": user_id, "id": task_id}).fetchone()

    def _ancestors(self, conn: Conn, user_id: str, parent_id: UUID, target: UUID) -> list[Row]:
        """The new parent and its ancestors, read with the lists locked (so they stay put)."""
        params = {"user_id": user_id, "id": parent_id, "limit": MAX_DEPTH + 1}
        chain = conn.execute(self._q["tasks/ancestors"], params).fetchall()
        if not chain:
            raise Invalid({"parent_id": [MESSAGES["parent_id"]]})
        if chain[0]["list_id"] != target:
            raise Invalid({"parent_id": [MESSAGES["parent_list"]]})
        return chain

    def _descendants(self, conn: Conn, user_id: str, task_id: UUID) -> list[Row]:
        params = {"user_id": user_id, "id": task_id, "limit": MAX_DEPTH}
        return conn.execute(self._q["tasks/descendants"], params).fetchall()

    @staticmethod
    def _check_tree(current: Row | None, merged: Row, chain: Sequence[Row], subtree: Sequence[Row]) -> None:
        if current is not None and any(a["id"] == current["id"] for a in chain):
            raise Invalid({"parent_id": [MESSAGES["cycle"]]})
        height = max((t["depth"] for t in subtree), default=0)
        if len(chain) + 1 + height > MAX_DEPTH:
            raise Invalid({"parent_id": [MESSAGES["depth"]]})
        recurring_above = any(a["recurrence_rule"] for a in chain)
        recurring_below = any(t["recurrence_rule"] for t in subtree)
        moved = current is not None and merged["parent_id"] != current["parent_id"]
        if recurring_above and (merged["recurrence_rule"] or recurring_below):
            if moved:
                raise Invalid({"parent_id": [MESSAGES["recurring_move"]]})
            raise Invalid({"recurrence_rule": [MESSAGES["recurring_ancestor"]]})
        if merged["recurrence_rule"] and recurring_below:
            raise Invalid({"recurrence_rule": [MESSAGES["recurring_ancestor"]]})

    def _position(
        self,
        conn: Conn,
        user_id: str,
        current: Row | None,
        merged: Row,
        fields: Mapping[str, Any],
        target: UUID,
        new: NewTasks | None = None,
    ) -> Placement:
        """A client's position as given; else directly after `after` (a move), or after the last
        sibling (a create or PUT without one, a PATCH into another group without one)."""
        position, parent_id, task_id = merged["position"], merged["parent_id"], merged["id"]
        regrouped = current is None or (current["list_id"], current["parent_id"]) != (target, parent_id)
        appends = not isinstance(position, MoveAfter) and (
            position is None or ("position" not in fields and regrouped)
        )
        if new is not None and appends:
            known = new.last(target, parent_id)
            if known is not None and known.position <= INT_MAX - GAP:
                return Placement(known.position + GAP, {})
            new.flush()  # what follows reads the group from the table: the run's tasks go there first
        following = self._following(conn, user_id, target, parent_id, task_id)
        if isinstance(position, MoveAfter):
            if position.id is None:
                return place_after(None, following)
            after = self._task(conn, user_id, position.id)
            if (
                after is None
                or after["id"] == task_id
                or (after["list_id"], after["parent_id"]) != (target, parent_id)
            ):
                raise Invalid({"after": [MESSAGES["after"]]})
            return place_after(Sibling(after["id"], after["position"]), following)
        if appends:
            params = {"user_id": user_id, "list_id": target, "parent_id": parent_id, "exclude_id": task_id}
            last = conn.execute(self._q["tasks/last_sibling"], params).fetchone()
            if last is None:
                return Placement(0, {})
            if last["position"] <= INT_MAX - GAP:  # nothing follows the last one: no need to look
                return Placement(last["position"] + GAP, {})
            return place_after(Sibling(last["id"], last["position"]), following)
        return Placement(position, {})

    def _following(
        self, conn: Conn, user_id: str, list_id: UUID, parent_id: UUID | None, exclude: UUID
    ) -> Any:
        def following(after: Sibling | None, limit: int) -> list[Sibling]:
            params = {
                "user_id": user_id,
                "list_id": list_id,
                "parent_id": parent_id,
                "after_position": after.position if after else INT_MIN,
                "after_id": after.id if after else NIL,
                "exclude_id": exclude,
                "limit": limit,
            }
            rows = conn.execute(self._q["tasks/siblings"], params).fetchall()
            return [Sibling(r["id"], r["position"]) for r in rows]

        return following


def stays(current: Row, merged: Row, target: UUID) -> bool:
    """Whether the write leaves the task where it is, as open or done as it was, with its rule."""
    return (
        (target, merged["parent_id"]) == (current["list_id"], current["parent_id"])
        and merged["position"] == current["position"]
        and merged["completed"] == current["completed"]
        and merged["recurrence_rule"] == current["recurrence_rule"]
    )
