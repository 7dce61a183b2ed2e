"""marshmallow schemas: the one place request shapes are checked, and the fields that go out.

`load(SCHEMA, data)` is how a responder reads a body or a query: what it breaks becomes Invalid.
The schemas themselves are in fields.py, tasks.py, lists.py, queries.py and batch.py;
defaults.py is the load TaskInput makes."""

from __future__ import annotations

import traceback
from typing import Any

from marshmallow import Schema, ValidationError

from taskapi.domain.errors import Invalid
from taskapi.schemas.batch import (
    BATCH_METHODS,
    MAX_BATCH_OPERATIONS,
    REF_NAME,
    BatchInput,
    OperationHeaders,
    OperationInput,
)
from taskapi.schemas.fields import (
    COLOR,
    UUID_TEXT,
    BoundedList,
    Choice,
    Color,
    CommaSeparated,
    Id,
    ParentFilter,
    QueryBoolean,
    QueryInteger,
    QueryTimestamp,
    RecurrenceRule,
    StrictBoolean,
    Text,
    Timestamp,
    TimeZoneName,
    doc,
)
from taskapi.schemas.lists import (
    LIST_FIELDS,
    LIST_READ_ONLY,
    ListInput,
    ListMove,
    ListSchema,
    list_json,
)
from taskapi.schemas.queries import (
    DESCENDING_BY_DEFAULT,
    MAX_CURSOR_LENGTH,
    SORT_FIELDS,
    CalendarQuery,
    ListQuery,
    OccurrencesQuery,
    RemindersQuery,
    SyncQuery,
)
from taskapi.schemas.tasks import (
    INT32,
    READ_ONLY,
    TASK_FIELDS,
    TaskInput,
    TaskMove,
    TaskSchema,
    listed_task_json,
    task_json,
)

# one instance each, made once: a schema instance deep-copies its fields when it is made
TASK_INPUT = TaskInput()
LIST_INPUT = ListInput()
TASK_MOVE = TaskMove()
LIST_MOVE = ListMove()
LIST_QUERY = ListQuery()
SYNC_QUERY = SyncQuery()
OCCURRENCES_QUERY = OccurrencesQuery()
CALENDAR_QUERY = CalendarQuery()
REMINDERS_QUERY = RemindersQuery()
BATCH_INPUT = BatchInput()


def load(schema: Schema, data: Any, *, partial: bool = False) -> dict[str, Any]:
    """`data` through `schema`; what it breaks becomes Invalid, the API's one refusal."""
    loaded: dict[str, Any] = _load(schema, data, partial=partial, many=False)
    return loaded


def load_many(schema: Schema, data: list[Any]) -> list[dict[str, Any]]:
    """`load` of each item of `data`, made as one load (a refusal names items by their index)."""
    loaded: list[dict[str, Any]] = _load(schema, data, partial=False, many=True)
    return loaded


def _load(schema: Schema, data: Any, *, partial: bool, many: bool) -> Any:
    try:
        return schema.load(data, partial=partial, many=many)
    except ValidationError as exc:
        errors = flatten_errors(exc.messages)
        # marshmallow keeps the error in a local of the frame it raised it from: error, traceback
        # and frames (with the request's data) form a cycle that only the cyclic collector would
        # free, much later; clearing the frames frees a hostile body's objects now
        traceback.clear_frames(exc.__traceback__)
    raise Invalid(errors)


# a problem stays small whatever the request: a body with 100,000 unknown fields gets 20 of them
MAX_FIELDS_IN_PROBLEM = 20
MAX_MESSAGES_PER_FIELD = 5


def flatten_errors(messages: Any) -> dict[str, list[str]]:
    """marshmallow's nested messages as {"field": ["message", ...]} (list items named by position),
    at most MAX_FIELDS_IN_PROBLEM fields of at most MAX_MESSAGES_PER_FIELD messages each."""
    flat = _flatten(messages)
    shown = dict(list(flat.items())[:MAX_FIELDS_IN_PROBLEM])
    for field, field_messages in shown.items():
        if len(field_messages) > MAX_MESSAGES_PER_FIELD:
            hidden = len(field_messages) - MAX_MESSAGES_PER_FIELD + 1
            shown[field] = [*field_messages[: MAX_MESSAGES_PER_FIELD - 1], f"... and {hidden} more."]
    if len(flat) > len(shown):
        shown.setdefault("body", []).append(f"... and {len(flat) - len(shown)} more fields with errors.")
    return shown


def _flatten(messages: Any) -> dict[str, list[str]]:
    if not isinstance(messages, dict):
        return {"body": [str(m) for m in (messages if isinstance(messages, list) else [messages])]}
    flat: dict[str, list[str]] = {}
    for field, value in messages.items():
        key = "body" if field == "_schema" else str(field)
        if isinstance(value, dict):
            for index, inner in value.items():
                if isinstance(inner, dict):  # an object in a list: `operations[3].path`
                    for name, messages in _flatten(inner).items():
                        flat.setdefault(f"{key}[{index}].{name}", []).extend(messages)
                    continue
                if isinstance(index, str):  # a field of a nested object: `headers.If-Match`
                    flat.setdefault(f"{key}.{index}", []).extend(
                        inner if isinstance(inner, list) else [inner]
                    )
                    continue
                for message in inner if isinstance(inner, list) else [inner]:
                    flat.setdefault(key, []).append(f"Item {index}: {message}")
        else:
            flat.setdefault(key, []).extend(str(m) for m in value)
    return flat


__all__ = [
    "BATCH_INPUT",
    "BATCH_METHODS",
    "CALENDAR_QUERY",
    "COLOR",
    "DESCENDING_BY_DEFAULT",
    "INT32",
    "LIST_FIELDS",
    "LIST_INPUT",
    "LIST_MOVE",
    "LIST_QUERY",
    "LIST_READ_ONLY",
    "MAX_BATCH_OPERATIONS",
    "MAX_CURSOR_LENGTH",
    "MAX_FIELDS_IN_PROBLEM",
    "MAX_MESSAGES_PER_FIELD",
    "OCCURRENCES_QUERY",
    "READ_ONLY",
    "REF_NAME",
    "REMINDERS_QUERY",
    "SORT_FIELDS",
    "SYNC_QUERY",
    "TASK_FIELDS",
    "TASK_INPUT",
    "TASK_MOVE",
    "UUID_TEXT",
    "BatchInput",
    "BoundedList",
    "CalendarQuery",
    "Choice",
    "Color",
    "CommaSeparated",
    "Id",
    "ListInput",
    "ListMove",
    "ListQuery",
    "ListSchema",
    "OccurrencesQuery",
    "OperationHeaders",
    "OperationInput",
    "ParentFilter",
    "QueryBoolean",
    "QueryInteger",
    "QueryTimestamp",
    "RecurrenceRule",
    "RemindersQuery",
    "StrictBoolean",
    "SyncQuery",
    "TaskInput",
    "TaskMove",
    "TaskSchema",
    "Text",
    "TimeZoneName",
    "Timestamp",
    "doc",
    "flatten_errors",
    "list_json",
    "listed_task_json",
    "load",
    "load_many",
    "task_json",
]
