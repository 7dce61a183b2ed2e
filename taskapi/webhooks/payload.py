"""The body of a webhook: `{"id", "type", "created_at", "data"}`, with `data` the changed object in
the API's own JSON shape, built from the row the outbox trigger stored (to_jsonb of the row)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import orjson
from marshmallow import fields

from taskapi.schemas import ListSchema, TaskSchema, list_json, task_json

Row = dict[str, Any]
# the task columns that are timestamps: to_jsonb wrote them as text in the session's time zone
_TASK_TIMES = (*(n for n, f in TaskSchema().fields.items() if isinstance(f, fields.DateTime)), "series_start")
_LIST_TIMES = tuple(n for n, f in ListSchema().fields.items() if isinstance(f, fields.DateTime))


def _typed(stored: Row, times: tuple[str, ...]) -> Row:
    """The stored row with its timestamps and id as the API's JSON writes them."""
    row = dict(stored)
    for name in times:
        if row.get(name) is not None:
            row[name] = datetime.fromisoformat(row[name]).astimezone(UTC)
    row["id"] = UUID(row["id"])
    return row


# how each kind of object is shown: as GET shows it
SHAPES: dict[str, Callable[[Row], Row]] = {
    "task": lambda stored: task_json(_typed(stored, _TASK_TIMES)),
    "list": lambda stored: list_json(_typed(stored, _LIST_TIMES)),
}


def event_data(event_type: str, stored: Row) -> Row:
    kind, _, action = event_type.partition(".")
    if action == "deleted":
        return {"id": stored["id"]}
    return SHAPES.get(kind, dict)(stored)


def event_body(event: Row) -> bytes:
    """The exact bytes sent (and signed) for `event`, the same on every attempt."""
    return orjson.dumps(
        {
            "id": str(event["id"]),
            "type": event["type"],
            "created_at": event["created_at"].astimezone(UTC),
            "data": event_data(event["type"], event["data"]),
        }
    )
