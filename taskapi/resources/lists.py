"""/api/v1/lists: a user's lists (the Inbox among them): create, list, read, change, move, delete."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import falcon

from taskapi.http.conditional import etag, if_match, not_modified
from taskapi.http.idempotency import idempotent
from taskapi.http.media import read_json_object, send_json
from taskapi.openapi.facts import (
    LIST_EXAMPLE,
    json_body,
    json_response,
    operation,
    problems,
)
from taskapi.schemas import LIST_INPUT, LIST_MOVE, list_json, load
from taskapi.store import IdempotencyStore, ListStore

PRIVATE = ["private", "no-cache"]
LIST_INPUT_EXAMPLE = {"name": "Groceries", "color": "#3a7bd5"}


def list_location(list_id: UUID) -> str:
    return f"/api/v1/lists/{list_id}"


class _ListResource:
    def __init__(self, store: ListStore, idempotency: IdempotencyStore) -> None:
        self.store = store
        self.idempotency = idempotency

    @staticmethod
    def _send_list(resp: falcon.Response, row: dict[str, Any], status: int = 200) -> None:
        resp.etag = etag(row["version"])
        resp.cache_control = PRIVATE
        send_json(resp, list_json(row), status)


class ListCollection(_ListResource):
    openapi = {
        "on_get": operation(
            "Your lists, in order",
            tags=("lists",),
            responses={
                200: json_response("Every list, by position.", "ListPage", example={"items": [LIST_EXAMPLE]})
            },
        ),
        "on_post": operation(
            "Create a list",
            description="It goes after the last list unless `position` is given.",
            tags=("lists",),
            parameters=("IdempotencyKey",),
            body=json_body("ListInput", LIST_INPUT_EXAMPLE),
            responses={
                201: json_response(
                    "Created (or, for a repeated Idempotency-Key, the first answer again).",
                    "List",
                    example=LIST_EXAMPLE,
                    headers=("Location", "ETag", "Idempotent-Replayed"),
                ),
                **problems(409, 422),
            },
        ),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        # the store reads exactly the fields a list shows (tests/test_lists.py holds them equal)
        rows = self.store.all(req.context.user_id)
        resp.cache_control = PRIVATE
        send_json(resp, {"items": rows})

    @idempotent
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        row = self.store.create(req.context.user_id, load(LIST_INPUT, read_json_object(req)))
        resp.location = list_location(row["id"])
        self._send_list(resp, row, 201)


class ListItem(_ListResource):
    openapi = {
        "on_get": operation(
            "Read a list",
            tags=("lists",),
            parameters=("IfNoneMatch",),
            responses={
                200: json_response("The list.", "List", example=LIST_EXAMPLE, headers=("ETag",)),
                304: {"description": "Not modified (If-None-Match named its version).", "headers": {}},
                **problems(400, 404),
            },
        ),
        "on_put": operation(
            "Replace a list's writable fields",
            description="An omitted `color` returns to null; an omitted `position` stays.",
            tags=("lists",),
            parameters=("IfMatch",),
            body=json_body("ListInput", LIST_INPUT_EXAMPLE),
            responses={
                200: json_response("The list now.", "List", example=LIST_EXAMPLE, headers=("ETag",)),
                **problems(404, 409, 412),
            },
        ),
        "on_patch": operation(
            "Change some of a list's fields",
            tags=("lists",),
            parameters=("IfMatch",),
            body=json_body("ListPatch", {"name": "Errands"}),
            responses={
                200: json_response("The list now.", "List", example=LIST_EXAMPLE, headers=("ETag",)),
                **problems(404, 409, 412),
            },
        ),
        "on_delete": operation(
            "Delete a list and every task in it",
            description="The Inbox cannot be deleted (409).",
            tags=("lists",),
            parameters=("IfMatch",),
            responses={204: {"description": "Deleted."}, **problems(400, 404, 409, 412)},
        ),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response, list_id: UUID) -> None:
        row = self.store.get(req.context.user_id, list_id)
        if not_modified(req, row["version"]):
            resp.etag = etag(row["version"])
            resp.status = 304
            return
        self._send_list(resp, row)

    def on_put(self, req: falcon.Request, resp: falcon.Response, list_id: UUID) -> None:
        fields = load(LIST_INPUT, read_json_object(req))
        self._send_list(resp, self.store.update(req.context.user_id, list_id, fields, if_match(req)))

    def on_patch(self, req: falcon.Request, resp: falcon.Response, list_id: UUID) -> None:
        fields = load(LIST_INPUT, read_json_object(req), partial=True)
        self._send_list(resp, self.store.update(req.context.user_id, list_id, fields, if_match(req)))

    def on_delete(self, req: falcon.Request, resp: falcon.Response, list_id: UUID) -> None:
        self.store.delete(req.context.user_id, list_id, if_match(req))
        resp.status = 204


class ListMoveResource(_ListResource):
    openapi = {
        "on_post": operation(
            "Move a list",
            description="Directly after the list `after` (`null`: first); positions are computed.",
            tags=("lists",),
            parameters=("IfMatch", "IdempotencyKey"),
            body=json_body("ListMove", {"after": None}),
            responses={
                200: json_response(
                    "The moved list.", "List", example=LIST_EXAMPLE, headers=("ETag", "Idempotent-Replayed")
                ),
                **problems(404, 409, 412, 422),
            },
        ),
    }

    @idempotent
    def on_post(self, req: falcon.Request, resp: falcon.Response, list_id: UUID) -> None:
        after = load(LIST_MOVE, read_json_object(req))["after"]
        self._send_list(resp, self.store.move(req.context.user_id, list_id, after, if_match(req)))
