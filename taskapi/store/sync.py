"""SyncStore: a user's task and list changes and deletions since a position, oldest first."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from taskapi.db import Database
from taskapi.store.errors import SyncCursorExpired
from taskapi.store.placement import Placer

Row = dict[str, Any]
PURGE_BATCH = 100  # expired tombstones deleted per sync call: bounded work, no cron


@dataclass(frozen=True, order=True)
class Position:
    """Where a change sits in the feed: its transaction id, then its sequence number."""

    xid: int
    seq: int


START = Position(0, 0)


@dataclass(frozen=True)
class ChangeBatch:
    changed: list[Row]
    deleted: list[UUID]
    changed_lists: list[Row]
    deleted_lists: list[UUID]
    position: Position  # of the last change handed out (or the one asked from, when none)
    has_more: bool
    # the newest purged tombstone that cannot concern the client (a full sync never needs a
    # deletion that happened before it started): later calls refuse only tombstones purged past it
    exempt: Position


class SyncStore:
    def __init__(self, db: Database, queries: Mapping[str, bytes], retention: timedelta) -> None:
        self._db = db
        self._retention_seconds = retention.total_seconds()
        self._snapshot = queries["sync/read_only_snapshot"]
        self._changes = queries["sync/changes"]
        self._horizon = queries["sync/horizon"]
        self._purge = queries["sync/purge_tombstones"]
        self._purge_lists = queries["sync/purge_list_tombstones"]
        self._lists = queries["lists/get_many"]
        self._inbox = Placer(queries)

    def changes(self, user_id: str, after: Position | None, exempt: Position, limit: int) -> ChangeBatch:
        """Up to `limit` changes after `after` (None: every task there is, without deletions,
        which a client starting from nothing has no use for). Raises SyncCursorExpired when a
        tombstone after both `after` and `exempt` has been purged: the client may have missed it."""
        start = after or START
        params = {"user_id": user_id, "xid": str(start.xid), "seq": start.seq}
        purge = {"user_id": user_id, "retention_seconds": self._retention_seconds, "limit": PURGE_BATCH}
        with self._db.connection() as conn:
            self._inbox.inbox(conn, user_id)  # there from the first request on, a first sync too
            conn.execute(self._purge, purge)
            conn.execute(self._purge_lists, purge)
            with conn.transaction():
                conn.execute(self._snapshot)
                found = conn.execute(self._horizon, {"user_id": user_id}).fetchone()
                horizon = Position(int(found["xid"]), found["seq"]) if found else START
                if after is not None and horizon > max(after, exempt):
                    raise SyncCursorExpired()
                rows = conn.execute(
                    self._changes, {**params, "limit": limit + 1, "with_deleted": after is not None}
                ).fetchall()
                page = rows[:limit]
                changed_lists = [
                    r["sync_id"] for r in page if r["sync_kind"] == "list" and not r["sync_deleted"]
                ]
                lists = {
                    row["id"]: row
                    for row in conn.execute(self._lists, {"user_id": user_id, "ids": changed_lists})
                }
        last = Position(int(page[-1]["sync_xid"]), page[-1]["sync_seq"]) if page else start
        tasks = [row for row in page if row["sync_kind"] == "task"]
        return ChangeBatch(
            changed=[row for row in tasks if not row["sync_deleted"]],
            deleted=[row["sync_id"] for row in tasks if row["sync_deleted"]],
            changed_lists=[lists[list_id] for list_id in changed_lists],
            deleted_lists=[r["sync_id"] for r in page if r["sync_kind"] == "list" and r["sync_deleted"]],
            position=last,
            has_more=len(rows) > limit,
            exempt=exempt if after is not None else horizon,
        )
