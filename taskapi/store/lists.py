"""ListStore: the list aggregate's SQL (a user's lists, their order, the Inbox), one unit of work
per public method."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg
from uuid_utils.compat import uuid7

from taskapi.db import Database
from taskapi.domain.errors import Invalid
from taskapi.domain.ordering import GAP, INT_MAX, INT_MIN, Placement, Sibling, place_after
from taskapi.store.errors import (
    InboxNotDeletable,
    ListLimitReached,
    ListNameTaken,
    ListNotFound,
    VersionMismatch,
    constraints_as_invalid,
)
from taskapi.store.placement import MESSAGES, NIL, Placer

Row = dict[str, Any]


class ListStore:
    def __init__(self, db: Database, queries: Mapping[str, bytes], *, max_lists: int) -> None:
        self._db = db
        self._max_lists = max_lists
        self._placer = Placer(queries)
        self._q = {
            name: queries[f"lists/{name}"]
            for name in (
                "all",
                "get",
                "lock",
                "lock_all",
                "lock_for_delete",
                "siblings",
                "last",
                "create",
                "update",
                "set_positions",
                "delete",
            )
        }
        self._delete_tasks = queries["tasks/delete_in_list"]

    def all(self, user_id: str) -> list[Row]:
        """Every list of the user in order, each with exactly the fields the API shows (the
        Inbox is there from their first request on: one read when it is, as it nearly always is)."""
        with self._db.connection() as conn:
            rows = conn.execute(self._q["all"], {"user_id": user_id}).fetchall()
            if not any(row["is_inbox"] for row in rows):
                self._placer.inbox(conn, user_id)
                rows = conn.execute(self._q["all"], {"user_id": user_id}).fetchall()
            return rows

    def get(self, user_id: str, list_id: UUID) -> Row:
        with self._db.connection() as conn:
            row = conn.execute(self._q["get"], {"user_id": user_id, "id": list_id}).fetchone()
        if row is None:
            raise ListNotFound()
        return row

    def create(self, user_id: str, fields: Mapping[str, Any]) -> Row:
        """A new list, after the last one unless `position` is given."""
        list_id = uuid7()
        with self._db.connection() as conn, _list_errors(), conn.transaction():
            self._placer.inbox(conn, user_id)
            conn.execute(self._q["lock_all"], {"user_id": user_id})
            placement = (
                Placement(fields["position"], {}) if "position" in fields else self._last(conn, user_id)
            )
            params = {**fields, "user_id": user_id, "id": list_id, "position": placement.position}
            row = conn.execute(self._q["create"], {**params, "max_lists": self._max_lists}).fetchone()
            if row is None:
                raise ListLimitReached(self._max_lists)
            self._set_positions(conn, user_id, placement.moved)
        return row

    def update(
        self, user_id: str, list_id: UUID, fields: Mapping[str, Any], versions: Sequence[int] | None
    ) -> Row:
        """PUT and PATCH: the fields given replace the list's (an omitted position stays)."""
        with self._db.connection() as conn, _list_errors(), conn.transaction():
            current = self._locked(conn, user_id, list_id, versions)
            params = {**current, **fields, "user_id": user_id}
            row = conn.execute(self._q["update"], params).fetchone()
            assert row is not None  # locked: its version cannot have moved
            return row

    def move(self, user_id: str, list_id: UUID, after: UUID | None, versions: Sequence[int] | None) -> Row:
        """Directly after list `after` (None: first); list moves of a user run one at a time."""
        with self._db.connection() as conn, conn.transaction():
            conn.execute(self._q["lock_all"], {"user_id": user_id})
            current = self._locked(conn, user_id, list_id, versions)
            if after is None:
                placement = place_after(None, self._following(conn, user_id, list_id))
            else:
                neighbour = conn.execute(self._q["get"], {"user_id": user_id, "id": after}).fetchone()
                if neighbour is None or neighbour["id"] == list_id:
                    raise Invalid({"after": ["Not another of your lists."]})
                sibling = Sibling(neighbour["id"], neighbour["position"])
                placement = place_after(sibling, self._following(conn, user_id, list_id))
            params = {**current, "user_id": user_id, "position": placement.position}
            row = conn.execute(self._q["update"], params).fetchone()
            self._set_positions(conn, user_id, placement.moved)
            assert row is not None
            return row

    def delete(self, user_id: str, list_id: UUID, versions: Sequence[int] | None) -> None:
        """The list and every task in it, in one transaction (each in the sync feed as deleted)."""
        with self._db.connection() as conn, conn.transaction():
            current = conn.execute(self._q["lock_for_delete"], {"user_id": user_id, "id": list_id}).fetchone()
            if current is None:
                raise ListNotFound()
            _check_version(current, versions)
            if current["is_inbox"]:
                raise InboxNotDeletable()
            conn.execute(self._delete_tasks, {"user_id": user_id, "list_id": list_id})
            conn.execute(self._q["delete"], {"user_id": user_id, "id": list_id})

    def _locked(self, conn: psycopg.Connection[Row], user_id: str, list_id: UUID, versions: Any) -> Row:
        rows = conn.execute(self._q["lock"], {"user_id": user_id, "ids": [list_id]}).fetchall()
        if not rows:
            raise ListNotFound()
        _check_version(rows[0], versions)
        return rows[0]

    def _last(self, conn: psycopg.Connection[Row], user_id: str) -> Placement:
        last = conn.execute(self._q["last"], {"user_id": user_id, "exclude_id": NIL}).fetchone()
        if last is None:
            return Placement(0, {})
        if last["position"] <= INT_MAX - GAP:  # nothing follows the last one: no need to look
            return Placement(last["position"] + GAP, {})
        return place_after(Sibling(last["id"], last["position"]), self._following(conn, user_id, NIL))

    def _following(self, conn: psycopg.Connection[Row], user_id: str, exclude: UUID) -> Any:
        def following(after: Sibling | None, limit: int) -> list[Sibling]:
            params = {
                "user_id": user_id,
                "after_position": after.position if after else INT_MIN,
                "after_id": after.id if after else NIL,
                "exclude_id": exclude,
                "limit": limit,
            }
            return [Sibling(r["id"], r["position"]) for r in conn.execute(self._q["siblings"], params)]

        return following

    def _set_positions(self, conn: psycopg.Connection[Row], user_id: str, moved: Mapping[UUID, int]) -> None:
        if moved:
            params = {"user_id": user_id, "ids": list(moved), "positions": list(moved.values())}
            conn.execute(self._q["set_positions"], params)


def _check_version(current: Row, versions: Sequence[int] | None) -> None:
    if versions is not None and current["version"] not in versions:
        raise VersionMismatch(current, kind="list")


@contextmanager
def _list_errors() -> Iterator[None]:
    """A duplicate name is 409; a CHECK constraint the input broke is Invalid naming the field."""
    try:
        with constraints_as_invalid():
            yield
    except psycopg.errors.UniqueViolation as exc:
        if exc.diag.constraint_name == "lists_user_name_key":
            raise ListNameTaken() from None
        raise


__all__ = ["MESSAGES", "ListStore"]
