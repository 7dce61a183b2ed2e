"""The body of a webhook: `{"id", "type", "created_at", "data"}`, with `data` the changed object in
the API's own JSON shape, built from the row the outbox trigger stored (to_jsonb of the row)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import orjson
from marshmallow import fields

from taskapi.schemas import TaskSchema, task_json

Row = dict[str, Any]
# the task columns that are timestamps: to_jsonb wrote them as text in the session's time zone
_TASK_TIMES = (*(n for n, f in TaskSchema().fields.items() if isinstance(f, fields.DateTime)), "series_start")


def _task(stored: Row) -> Row:
    row = dict(stored)
    for name in _TASK_TIMES:
        if row.get(name) is not None:
            row[name] = datetime.fromisoformat(row[name]).astimezone(UTC)
    row["id"] = UUID(row["id"])
    return task_json(row)


# how each kind of object is shown; a kind without an entry goes out as the trigger stored it
SHAPES: dict[str, Callable[[Row], Row]] = {"task": _task}


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
