"""A task: the writable fields a request may send, and the fields the API sends back."""

from __future__ import annotations

from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    fields,
    post_load,
    pre_load,
)
from marshmallow.validate import Length, OneOf

from taskapi.domain import rules
from taskapi.domain.rules import ANCHORS, MESSAGES, PRIORITIES
from taskapi.schemas.defaults import DefaultsAfterLoad
from taskapi.schemas.fields import (
    INT32,
    BoundedList,
    Choice,
    Id,
    RecurrenceRule,
    StrictBoolean,
    Text,
    Timestamp,
    TimeZoneName,
    doc,
)

READ_ONLY = ("id", "user_id", "completed_at", "is_recurring", "version", "created_at", "updated_at")


class TaskInput(DefaultsAfterLoad):
    """The writable fields of a task (POST and PUT: all, with defaults; PATCH: those sent)."""

    class Meta:
        unknown = RAISE

    title = Text(trim=True, required=True, validate=Length(1, rules.MAX_TITLE, error=MESSAGES["title"]))
    description = Text(
        allow_none=True,
        load_default=None,
        validate=Length(max=rules.MAX_DESCRIPTION, error=MESSAGES["description"]),
    )
    completed = StrictBoolean(load_default=False)
    priority = Choice(PRIORITIES, load_default="medium")
    tags = BoundedList(
        Text(trim=True, validate=Length(1, rules.MAX_TAG, error=MESSAGES["tag"])),
        max_items=rules.MAX_TAGS,
        error=MESSAGES["tags"],
        load_default=list,
    )
    due_date = Timestamp(allow_none=True, load_default=None)
    reminder_at = Timestamp(allow_none=True, load_default=None)
    timezone = TimeZoneName(load_default="UTC")
    recurrence_rule = RecurrenceRule(allow_none=True, load_default=None)
    recurrence_anchor = Choice(ANCHORS, load_default="due")
    # omitted: server-placed (the Inbox, or the parent's list; after the last sibling)
    list_id = Id(load_default=None)
    parent_id = Id(allow_none=True, load_default=None)
    position = fields.Integer(strict=True, load_default=None, validate=INT32)

    @pre_load
    def drop_read_only(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in READ_ONLY}
        return data

    @post_load
    def dedupe_tags(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if "tags" in data:
            seen: set[str] = set()
            unique = []
            for tag in data["tags"]:
                if tag.casefold() not in seen:
                    seen.add(tag.casefold())
                    unique.append(tag)
            data["tags"] = unique
        return data


class TaskSchema(Schema):
    """A task as the API returns it (the descriptions are the OpenAPI document's)."""

    id = fields.UUID(dump_only=True, metadata=doc("Server-assigned, time-ordered (UUIDv7)."))
    user_id = fields.String(dump_only=True, metadata=doc("The owner: the token's `sub`."))
    title = fields.String(metadata=doc("1 to 200 characters, trimmed."))
    description = fields.String(allow_none=True, metadata=doc("Up to 2000 characters."))
    completed = fields.Boolean()
    completed_at = fields.AwareDateTime(
        allow_none=True, dump_only=True, metadata=doc("Set when `completed` became true.")
    )
    priority = fields.String(validate=OneOf(PRIORITIES), metadata=doc("Sorts by rank: high > medium > low."))
    tags = fields.List(fields.String(), metadata=doc("Up to 20; duplicates (any case) dropped."))
    due_date = fields.AwareDateTime(allow_none=True)
    reminder_at = fields.AwareDateTime(allow_none=True, metadata=doc("Not after `due_date`."))
    timezone = fields.String(metadata=doc("IANA zone in which the recurrence is expanded."))
    recurrence_rule = fields.String(
        allow_none=True, metadata=doc("RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO.")
    )
    recurrence_anchor = fields.String(
        validate=OneOf(ANCHORS), metadata=doc("`completion`: the next one is scheduled from the completion.")
    )
    is_recurring = fields.Boolean(dump_only=True, metadata=doc("True when `recurrence_rule` is set."))
    list_id = fields.UUID(metadata=doc("The list the task is in (default: the Inbox)."))
    parent_id = fields.UUID(
        allow_none=True, metadata=doc("The task this one is a subtask of (same list; 4 levels at most).")
    )
    position = fields.Integer(
        metadata=doc("Order among its siblings (same list and parent), ascending, ties by id.")
    )
    version = fields.Integer(dump_only=True, metadata=doc('+1 on every change; the ETag is `"<version>"`.'))
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


TASK_FIELDS = tuple(TaskSchema().fields)


class TaskMove(Schema):
    """POST /api/v1/tasks/{id}/move: where the task (and its subtree) goes."""

    class Meta:
        unknown = RAISE

    list_id = Id(metadata=doc("Default: where it is (or the parent's list)."))
    parent_id = Id(allow_none=True, metadata=doc("`null`: top level. Default: where it is."))
    after = Id(
        required=True, allow_none=True, metadata=doc("The sibling it goes directly after; `null`: first.")
    )


def task_json(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row as the API shows it (orjson writes the datetimes and UUIDs as RFC 3339 / text)."""
    out = {name: row.get(name) for name in TASK_FIELDS}
    out["is_recurring"] = row["recurrence_rule"] is not None
    return out


def listed_task_json(row: dict[str, Any]) -> dict[str, Any]:
    """A listing's row as the API shows it: the page selects the task's fields in task_json's
    order, is_recurring included (taskapi.store.listing.PAGE_COLUMNS), so only its sort key and
    the total go (a copy: about a tenth of building the object anew, per row of a page)."""
    out = row.copy()
    del out["sort_key"]
    out.pop("total", None)
    return out
