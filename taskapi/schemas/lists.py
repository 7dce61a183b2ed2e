"""A list: the writable fields a request may send, and the fields the API sends back."""

from __future__ import annotations

from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    fields,
    pre_load,
)
from marshmallow.validate import Length

from taskapi.domain import rules
from taskapi.domain.rules import MESSAGES
from taskapi.schemas.fields import INT32, Color, Id, Text, doc


class ListMove(Schema):
    """POST /api/v1/lists/{id}/move: the list goes directly after `after` (`null`: first)."""

    class Meta:
        unknown = RAISE

    after = Id(required=True, allow_none=True)


class ListInput(Schema):
    """The writable fields of a list (POST and PUT: all, with defaults; PATCH: those sent)."""

    class Meta:
        unknown = RAISE

    name = Text(trim=True, required=True, validate=Length(1, rules.MAX_LIST_NAME, error=MESSAGES["name"]))
    color = Color(allow_none=True, load_default=None)
    position = fields.Integer(strict=True, validate=INT32, metadata=doc("Default: after the last list."))

    @pre_load
    def drop_read_only(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in LIST_READ_ONLY}
        return data


LIST_READ_ONLY = ("id", "user_id", "is_inbox", "open_tasks", "version", "created_at", "updated_at")


class ListSchema(Schema):
    """A list as the API returns it."""

    id = fields.UUID(dump_only=True, metadata=doc("Server-assigned, time-ordered (UUIDv7)."))
    name = fields.String(metadata=doc("1 to 100 characters, trimmed; unique per user in any case."))
    color = fields.String(allow_none=True, metadata=doc("`#rrggbb`, or null."))
    is_inbox = fields.Boolean(dump_only=True, metadata=doc("The user's one Inbox: renamable, never deleted."))
    position = fields.Integer(metadata=doc("Order of the lists, ascending, ties by id."))
    open_tasks = fields.Integer(dump_only=True, metadata=doc("How many of its tasks are open."))
    version = fields.Integer(dump_only=True, metadata=doc('+1 on every change; the ETag is `"<version>"`.'))
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


LIST_FIELDS = tuple(ListSchema().fields)


def list_json(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row.get(name) for name in LIST_FIELDS}
