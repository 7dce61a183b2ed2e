"""What a resource states about its routes, next to its responders: `openapi = {"on_get":
operation(...), ...}`, with the shared vocabulary of headers, problems and examples. The
document itself is built from these by taskapi/openapi/document.py."""

from __future__ import annotations

from typing import Any

import falcon

PROBLEM_JSON = "application/problem+json"

TASK_EXAMPLE = {
    "id": "019a5f3c-7d2e-7b4a-9c1e-2f3a4b5c6d7e",
    "user_id": "user_2xYz",
    "title": "Water the plants",
    "description": "The ones on the balcony",
    "completed": False,
    "completed_at": None,
    "priority": "high",
    "tags": ["home", "garden"],
    "due_date": "2026-11-22T09:00:00+00:00",
    "reminder_at": "2026-11-22T08:30:00+00:00",
    "timezone": "Europe/Berlin",
    "recurrence_rule": "FREQ=WEEKLY;BYDAY=MO,WE,FR",
    "recurrence_anchor": "due",
    "is_recurring": True,
    "list_id": "019a5f3a-11b2-7c4d-8e5f-6a7b8c9d0e1f",
    "parent_id": None,
    "position": 0,
    "version": 1,
    "created_at": "2026-11-20T17:04:11.123456+00:00",
    "updated_at": "2026-11-20T17:04:11.123456+00:00",
}
LIST_EXAMPLE = {
    "id": "019a5f3a-11b2-7c4d-8e5f-6a7b8c9d0e1f",
    "name": "Inbox",
    "color": None,
    "is_inbox": True,
    "position": 0,
    "open_tasks": 3,
    "version": 1,
    "created_at": "2026-11-20T17:00:00.000000+00:00",
    "updated_at": "2026-11-20T17:00:00.000000+00:00",
}
TASK_INPUT_EXAMPLE = {
    k: TASK_EXAMPLE[k]
    for k in ("title", "description", "priority", "tags", "due_date", "reminder_at", "timezone")
} | {"recurrence_rule": "FREQ=WEEKLY;BYDAY=MO,WE,FR"}

# what taskapi/http/conditional.py accepts: `*`, or ETags as the API sends them, comma-separated
ETAG_LIST = {"type": "string", "pattern": r'^\s*(\*|(W/)?"\d{1,10}"(\s*,\s*(W/)?"\d{1,10}")*)\s*$'}
REQUEST_HEADERS: dict[str, dict[str, Any]] = {
    "IfMatch": {
        "name": "If-Match",
        "description": "Apply the change only if the task is still at this version (its ETag); "
        "else 412 with the current task. `*` matches any version.",
        "schema": ETAG_LIST,
        "example": '"3"',
    },
    "IfNoneMatch": {
        "name": "If-None-Match",
        "description": "Answer 304 with no body when the task is still at this version.",
        "schema": ETAG_LIST,
        "example": '"3"',
    },
    "IdempotencyKey": {
        "name": "Idempotency-Key",
        "description": "A retry with the same key and body returns the first response (with "
        "`Idempotent-Replayed: true`) and changes nothing again; keys are kept at least 24 hours. "
        "1 to 255 printable ASCII characters, e.g. a UUID.",
        "schema": {"type": "string", "pattern": "^[ -~]{1,255}$"},
        "example": "5f0c6a4e-4f6e-4b43-9a57-6c1c7d3f0a11",
    },
    "XRequestId": {
        "name": "X-Request-ID",
        "description": "Your id for this request, echoed in the response and the logs. One that is "
        "not 1 to 128 of `A-Za-z0-9._:-` (starting with a letter or digit) is replaced, not refused.",
        "schema": {"type": "string"},
        "example": "checkout-7f3a",
    },
}
RESPONSE_HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": "The request's id (quote it when reporting a problem).",
        "schema": {"type": "string"},
    },
    "ETag": {
        "description": 'The task\'s version, e.g. `"3"`; send it in If-Match.',
        "schema": {"type": "string"},
    },
    "Location": {"description": "The new task's URL.", "schema": {"type": "string"}},
    "Link": {
        "description": 'After a completion: `</api/v1/tasks/{id}>; rel="next-occurrence"`.',
        "schema": {"type": "string"},
    },
    "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}},
    "WWW-Authenticate": {
        "description": 'The bearer challenge, e.g. `Bearer realm="taskapi"`.',
        "schema": {"type": "string"},
    },
    "Allow": {"description": "The methods the path allows.", "schema": {"type": "string"}},
    "Idempotent-Replayed": {
        "description": "`true` when this is the saved answer to an earlier request with the same key.",
        "schema": {"type": "string", "enum": ["true"]},
    },
}
PROBLEMS: dict[int, tuple[str, tuple[str, ...]]] = {
    400: ("Invalid input: `errors` names each bad field or parameter.", ()),
    401: ("Missing or invalid bearer token.", ("WWW-Authenticate",)),
    404: ("No such task, list, subscription or delivery (absent or another user's).", ()),
    405: ("Method not allowed on this path.", ("Allow",)),
    412: ("It changed since the version in If-Match; `current` is the task (or list) now.", ("ETag",)),
    409: (
        "A request with this Idempotency-Key is still in flight (retry shortly); on create, the "
        "account keeps MAX_TASKS_PER_USER tasks (or MAX_LISTS_PER_USER lists) already; on a list, "
        "the name is taken (`/problems/list-name-taken`) or it is the Inbox, which stays.",
        (),
    ),
    410: ("The sync cursor is older than the deletions kept: do a full sync (no cursor).", ()),
    413: ("The body is larger than MAX_BODY_BYTES.", ()),
    415: ("The body is not application/json.", ()),
    422: ("This Idempotency-Key was used for a different request.", ()),
    503: ("The database is unavailable; retry after Retry-After seconds.", ("Retry-After",)),
}


def ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def problems(*codes: int) -> dict[int, dict[str, str]]:
    return {code: ref("responses", f"Problem{code}") for code in codes}


def json_response(
    description: str, schema: str, *, example: Any = None, headers: tuple[str, ...] = ()
) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": ref("schemas", schema)}
    if example is not None:
        media["example"] = example
    return {
        "description": description,
        "content": {falcon.MEDIA_JSON: media},
        "headers": {name: ref("headers", name) for name in headers},
    }


def json_body(schema: str, example: Any, description: str = "") -> dict[str, Any]:
    return {
        "required": True,
        "description": description,
        "content": {falcon.MEDIA_JSON: {"schema": ref("schemas", schema), "example": example}},
    }


def operation(
    summary: str,
    *,
    responses: dict[int, Any],
    description: str = "",
    tags: tuple[str, ...] = ("tasks",),
    parameters: tuple[dict[str, Any] | str, ...] = (),
    body: dict[str, Any] | None = None,
    public: bool = False,
) -> dict[str, Any]:
    """One operation; `public` ones need no token. Shared headers and errors are added when built."""
    op: dict[str, Any] = {
        "summary": summary,
        "description": description,
        "tags": list(tags),
        "parameters": list(parameters),
        "responses": dict(responses),
    }
    if body is not None:
        op["requestBody"] = body
    if public:
        op["security"] = []
    return op
