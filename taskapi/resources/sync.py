"""GET /api/v1/sync: a user's task and list changes and deletions since a cursor, oldest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import falcon

from taskapi.cursors.sync import Cursor, SyncCursors
from taskapi.http.media import send_json
from taskapi.openapi.facts import TASK_EXAMPLE, json_response, operation, problems
from taskapi.schemas import SYNC_QUERY, SyncQuery, list_json, load, task_json
from taskapi.store import SyncCursorExpired, SyncStore
from taskapi.store.sync import START


class Sync:
    openapi = {
        "on_get": operation(
            "Changes since your last sync",
            description="Every change since `cursor` (none: everything), deletions included, oldest "
            "first, at most `limit` a call; call again while `has_more`. `cursor` is the one the last "
            "sync returned (any other is 400).",
            tags=("sync",),
            parameters=({"in": "query", "schema": SyncQuery},),
            responses={
                200: json_response(
                    "A batch of changes.",
                    "SyncBatch",
                    example={
                        "changed": [TASK_EXAMPLE],
                        "deleted": [],
                        "changed_lists": [],
                        "deleted_lists": [],
                        "cursor": "eyJwIjo...",
                        "has_more": False,
                    },
                ),
                **problems(400, 410),
            },
        )
    }

    def __init__(self, store: SyncStore, cursors: SyncCursors, retention: timedelta) -> None:
        self.store = store
        self.cursors = cursors
        self.retention = retention

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        query = load(SYNC_QUERY, req.params)
        user_id, now = req.context.user_id, datetime.now(UTC)
        after, exempt = None, START
        if "cursor" in query:
            cursor = self.cursors.decode(user_id, query["cursor"], now)
            if cursor.issued_at < now - self.retention:
                raise SyncCursorExpired()
            after, exempt = cursor.position, cursor.exempt
        batch = self.store.changes(user_id, after, exempt, query["limit"])
        resp.cache_control = ["private", "no-store"]
        send_json(
            resp,
            {
                "changed": [task_json(row) for row in batch.changed],
                "deleted": batch.deleted,
                "changed_lists": [list_json(row) for row in batch.changed_lists],
                "deleted_lists": batch.deleted_lists,
                "cursor": self.cursors.encode(user_id, Cursor(batch.position, batch.exempt, now)),
                "has_more": batch.has_more,
            },
        )
