"""/api/v1/tasks: create, list, read, replace, patch, delete and toggle a user's tasks."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import falcon
import orjson

from taskapi.cursors.listing import ListingCursors
from taskapi.http.conditional import etag, if_match, not_modified
from taskapi.http.idempotency import idempotent
from taskapi.http.media import read_json_object, send_json
from taskapi.openapi.facts import (
    TASK_EXAMPLE,
    TASK_INPUT_EXAMPLE,
    json_body,
    json_response,
    operation,
    problems,
)
from taskapi.schemas import (
    LIST_QUERY,
    TASK_INPUT,
    TASK_MOVE,
    ListQuery,
    listed_task_json,
    load,
    load_many,
    task_json,
)
from taskapi.store import After, IdempotencyStore, ListFilter, MoveAfter, Sort, TaskChange, TaskStore
from taskapi.store.listing import SORT_KEY_TYPES

PRIVATE = ["private", "no-cache"]
# the rules across fields that JSON Schema cannot state (tests/schemathesis_hooks.py keeps to them)
SCHEDULE_RULES = (
    "`reminder_at` must not be after `due_date`; a `recurrence_rule` needs a `due_date` and must "
    "produce a date from it on (in `timezone`)."
)


# what a cursor is bound to: the listing's sort and filters (limit and offset may change)
_LISTING_PARAMS = (
    "q",
    "completed",
    "priority",
    "tags",
    "due_date_from",
    "due_date_to",
    "list_id",
    "parent_id",
    "sort_by",
    "sort_order",
)


def _listing_identity(query: dict[str, Any]) -> bytes:
    identity = {name: query.get(name) for name in _LISTING_PARAMS}
    identity["tags"] = sorted(tag.lower() for tag in query["tags"])
    return orjson.dumps(identity, option=orjson.OPT_SORT_KEYS)


def task_location(task_id: UUID) -> str:
    return f"/api/v1/tasks/{task_id}"


class _TaskResource:
    def __init__(self, store: TaskStore, idempotency: IdempotencyStore) -> None:
        self.store = store
        self.idempotency = idempotency

    @staticmethod
    def _send_task(resp: falcon.Response, row: dict[str, Any], status: int = 200) -> None:
        resp.etag = etag(row["version"])
        resp.cache_control = PRIVATE
        send_json(resp, task_json(row), status)

    @staticmethod
    def _send_change(resp: falcon.Response, change: TaskChange) -> None:
        """A PUT/PATCH answer: the task, linking the next occurrence a completion created."""
        _link_next(resp, change)
        _TaskResource._send_task(resp, change.task)


class TaskCollection(_TaskResource):
    openapi = {
        "on_get": operation(
            "List your tasks",
            description="`sort_by=relevance` needs a search (`q`, not blank); `due_date_to` must not be "
            "before `due_date_from`; `cursor` is a `next_cursor` as given, with the same sort and filters "
            "(else 400).",
            parameters=({"in": "query", "schema": ListQuery},),
            responses={
                200: json_response(
                    "One page of tasks.",
                    "TaskPage",
                    example={
                        "items": [TASK_EXAMPLE],
                        "total": 1,
                        "limit": 50,
                        "offset": 0,
                        "next_cursor": None,
                    },
                ),
                **problems(400),
            },
        ),
        "on_post": operation(
            "Create a task",
            description=SCHEDULE_RULES,
            parameters=("IdempotencyKey",),
            body=json_body("TaskInput", TASK_INPUT_EXAMPLE, "Omitted optional fields take their defaults."),
            responses={
                201: json_response(
                    "Created (or, for a repeated Idempotency-Key, the first answer again).",
                    "Task",
                    example=TASK_EXAMPLE,
                    headers=("Location", "ETag", "Idempotent-Replayed"),
                ),
                **problems(409, 422),
            },
        ),
    }

    def __init__(self, store: TaskStore, idempotency: IdempotencyStore, cursors: ListingCursors) -> None:
        super().__init__(store, idempotency)
        self.cursors = cursors

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        query = load(LIST_QUERY, req.params)
        user_id = req.context.user_id
        sort = Sort(query["sort_by"], descending=query["sort_order"] == "desc")
        listing = _listing_identity(query)
        after = None
        if "cursor" in query:
            key, task_id = self.cursors.decode(user_id, listing, query["cursor"], SORT_KEY_TYPES[sort.by])
            after = After(key, task_id)
        filters = ListFilter(
            q=query["q"],
            completed=query.get("completed"),
            priority=tuple(query["priority"]),
            tags=tuple(query["tags"]),
            due_from=query.get("due_date_from"),
            due_to=query.get("due_date_to"),
            list_id=query.get("list_id"),
            parent_id=query.get("parent_id"),
        )
        page = self.store.list(
            user_id, filters, sort, limit=query["limit"], offset=query["offset"], after=after
        )
        last = page.rows[-1] if page.has_more else None
        resp.cache_control = PRIVATE
        send_json(
            resp,
            {
                "items": [listed_task_json(row) for row in page.rows],
                "total": page.total,
                "limit": query["limit"],
                "offset": query["offset"],
                "next_cursor": self.cursors.encode(user_id, listing, last["sort_key"], last["id"])
                if last
                else None,
            },
        )

    @idempotent
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.send_created(resp, self.store.create(req.context.user_id, self.new_task(read_json_object(req))))

    # a create in two halves around the store call, for a batch's run of creates to share
    @staticmethod
    def new_task(body: Any) -> dict[str, Any]:
        """The new task's writable fields from the request's JSON body, checked, defaults applied."""
        return load(TASK_INPUT, body)

    @staticmethod
    def new_tasks(bodies: list[Any]) -> list[dict[str, Any]]:
        """`new_task` of each body, loaded together (a refusal names no single body: each of a run
        refused is checked again alone, for its own answer)."""
        return load_many(TASK_INPUT, bodies)

    @classmethod
    def send_created(cls, resp: falcon.Response, row: dict[str, Any]) -> None:
        resp.location = task_location(row["id"])
        cls._send_task(resp, row, 201)


class TaskItem(_TaskResource):
    openapi = {
        "on_get": operation(
            "Read a task",
            parameters=("IfNoneMatch",),
            responses={
                200: json_response("The task.", "Task", example=TASK_EXAMPLE, headers=("ETag",)),
                304: {"description": "Not modified (If-None-Match named its version).", "headers": {}},
                **problems(400, 404),
            },
        ),
        "on_put": operation(
            "Replace a task's writable fields",
            description="An omitted optional field returns to its default. " + SCHEDULE_RULES,
            parameters=("IfMatch",),
            body=json_body("TaskInput", TASK_INPUT_EXAMPLE),
            responses={
                200: json_response("The task now.", "Task", example=TASK_EXAMPLE, headers=("ETag", "Link")),
                **problems(404, 412),
            },
        ),
        "on_patch": operation(
            "Change some of a task's fields",
            description="Only the fields sent change; `null` clears a nullable field. The task as "
            "changed is checked as a whole: " + SCHEDULE_RULES,
            parameters=("IfMatch",),
            body=json_body("TaskPatch", {"completed": True}),
            responses={
                200: json_response("The task now.", "Task", example=TASK_EXAMPLE, headers=("ETag", "Link")),
                **problems(404, 412),
            },
        ),
        "on_delete": operation(
            "Delete a task",
            parameters=("IfMatch",),
            responses={204: {"description": "Deleted."}, **problems(400, 404, 412)},
        ),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response, task_id: UUID) -> None:
        row = self.store.get(req.context.user_id, task_id)
        if not_modified(req, row["version"]):
            resp.etag = etag(row["version"])
            resp.status = 304
            return
        self._send_task(resp, row)

    def on_put(self, req: falcon.Request, resp: falcon.Response, task_id: UUID) -> None:
        fields = load(TASK_INPUT, read_json_object(req))  # every writable field, defaults applied
        change = self.store.update(req.context.user_id, task_id, lambda _: fields, if_match(req))
        self._send_change(resp, change)

    def on_patch(self, req: falcon.Request, resp: falcon.Response, task_id: UUID) -> None:
        fields = load(TASK_INPUT, read_json_object(req), partial=True)  # the fields sent
        change = self.store.update(req.context.user_id, task_id, lambda _: fields, if_match(req))
        self._send_change(resp, change)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, task_id: UUID) -> None:
        self.store.delete(req.context.user_id, task_id, if_match(req))
        resp.status = 204


class TaskToggle(_TaskResource):
    openapi = {
        "on_post": operation(
            "Flip a task's completed flag",
            description="Completing a recurring task creates its next occurrence (`next_task`).",
            parameters=("IfMatch", "IdempotencyKey"),
            responses={
                200: json_response(
                    "The task, and the next occurrence a completion created.",
                    "ToggleResult",
                    example={"task": TASK_EXAMPLE, "next_task": None},
                    headers=("ETag", "Link", "Idempotent-Replayed"),
                ),
                **problems(400, 404, 409, 412, 422),
            },
        ),
    }

    @idempotent
    def on_post(self, req: falcon.Request, resp: falcon.Response, task_id: UUID) -> None:
        change = self.store.update(req.context.user_id, task_id, _flip_completed, if_match(req))
        _link_next(resp, change)
        resp.etag = etag(change.task["version"])
        resp.cache_control = PRIVATE
        next_task = task_json(change.next_task) if change.next_task else None
        send_json(resp, {"task": task_json(change.task), "next_task": next_task})


class TaskMoveResource(_TaskResource):
    openapi = {
        "on_post": operation(
            "Move a task (and its subtree)",
            description="Into `list_id` and under `parent_id` (default: where it is), directly after "
            "the sibling `after` (`null`: first); the server computes positions, moving as few "
            "siblings as it must (they get a new version and appear in the sync feed).",
            parameters=("IfMatch", "IdempotencyKey"),
            body=json_body("TaskMove", {"after": None}),
            responses={
                200: json_response(
                    "The moved task.", "Task", example=TASK_EXAMPLE, headers=("ETag", "Idempotent-Replayed")
                ),
                **problems(404, 409, 412, 422),
            },
        ),
    }

    @idempotent
    def on_post(self, req: falcon.Request, resp: falcon.Response, task_id: UUID) -> None:
        move = load(TASK_MOVE, read_json_object(req))
        fields: dict[str, Any] = {name: move[name] for name in ("list_id", "parent_id") if name in move}
        fields["position"] = MoveAfter(move["after"])
        change = self.store.update(req.context.user_id, task_id, lambda _: fields, if_match(req))
        self._send_task(resp, change.task)


def _flip_completed(current: dict[str, Any]) -> dict[str, Any]:
    return {"completed": not current["completed"]}


def _link_next(resp: falcon.Response, change: TaskChange) -> None:
    """A completion that created the series' next occurrence links it."""
    if change.next_task is not None:
        resp.append_link(task_location(change.next_task["id"]), "next-occurrence")
