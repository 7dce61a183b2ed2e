"""The OpenAPI document, built once at start-up from the app's routes, each resource's `openapi`
operations (next to its responders) and the marshmallow schemas.

A resource documents a responder by its name: `openapi = {"on_get": operation(...), ...}`. Whatever
every operation shares (X-Request-ID, 401/503 on authenticated routes, 400/413/415 where a body
is read) is added here, so a resource states only what is particular to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import falcon
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from taskapi.openapi.shapes import (
    HealthStatus,
    ListPage,
    LiveStatus,
    OccurrenceList,
    Problem,
    SyncBatch,
    TaskList,
    TaskPage,
    ToggleResult,
)
from taskapi.schemas import (
    LIST_FIELDS,
    TASK_FIELDS,
    Choice,
    ListInput,
    ListMove,
    ListSchema,
    TaskInput,
    TaskMove,
    TaskSchema,
)

# Swagger UI 4 (swagger-ui-bundle) renders 3.0 documents; it cannot render 3.1.
OPENAPI_VERSION = "3.0.3"
PROBLEM_JSON = "application/problem+json"
UNDOCUMENTED = "x-undocumented"

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
    404: ("No such task or list (absent or another user's).", ()),
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


def header_param(name: str) -> str:
    """A request header from REQUEST_HEADERS (apispec turns the name into a $ref)."""
    return name


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
    operation_id: str | None = None,
) -> dict[str, Any]:
    """One operation; `public` ones need no token. Shared headers and errors are added when built."""
    op: dict[str, Any] = {
        "summary": summary,
        "description": description,
        "tags": list(tags),
        "parameters": list(parameters),
        "responses": dict(responses),
    }
    if operation_id:
        op["operationId"] = operation_id
    if body is not None:
        op["requestBody"] = body
    if public:
        op["security"] = []
    return op


def served_routes(app: falcon.App) -> Iterator[tuple[str, object, dict[str, Any]]]:
    """(URI template, resource, {HTTP method: responder}) for every route added with add_route;
    Falcon's default responders (405, OPTIONS) and HEAD are left out."""
    stack = list(app._router._roots)
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.resource is not None and node.method_map is not None and node.uri_template is not None:
            responders = {
                method: responder
                for method, responder in node.method_map.items()
                # HEAD mirrors GET on every route; the document describes GET
                if getattr(responder, "__self__", None) is node.resource and method != "HEAD"
            }
            yield node.uri_template, node.resource, responders


_FIELD = re.compile(r"{(\w+)(?::(\w+)[^}]*)?}")
_CONVERTER_SCHEMAS = {"uuid": {"type": "string", "format": "uuid"}, "int": {"type": "integer"}}


def _path(template: str) -> tuple[str, list[dict[str, Any]]]:
    """Falcon's `/tasks/{task_id:uuid}` as OpenAPI's `/tasks/{task_id}` and its path parameters."""
    parameters = [
        {
            "in": "path",
            "name": name,
            "required": True,
            "schema": _CONVERTER_SCHEMAS.get(converter, {"type": "string"}),
        }
        for name, converter in _FIELD.findall(template)
    ]
    return _FIELD.sub(r"{\1}", template), parameters


def _complete(op: dict[str, Any]) -> dict[str, Any]:
    """Add what every operation shares: X-Request-ID, auth and availability errors, body errors."""
    op = {**op, "parameters": [*op.get("parameters", []), header_param("XRequestId")]}
    responses = {str(code): response for code, response in op["responses"].items()}
    for response in responses.values():
        if "$ref" not in response:
            response.setdefault("headers", {})["X-Request-ID"] = ref("headers", "X-Request-ID")
    if any(isinstance(p, dict) and p.get("in") == "query" for p in op["parameters"]):
        responses.setdefault("414", ref("responses", "UriTooLong"))
    extra = [400, 413, 415] if "requestBody" in op else []
    if op.get("security") != []:
        extra += [401, 503]
    for code, response in problems(*extra).items():
        responses.setdefault(str(code), response)
    op["responses"] = dict(sorted(responses.items()))
    return op


def _choice_in_any_case(converter: Any, field: Any, ret: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """A Choice takes its words in any case ("HIGH"): an enum would call that invalid, a pattern
    says exactly what is accepted."""
    if isinstance(field, Choice) and "enum" in ret:
        words = ret.pop("enum")
        any_case = ("".join(f"[{c.upper()}{c}]" if c.isalpha() else re.escape(c) for c in w) for w in words)
        ret["pattern"] = f"^({'|'.join(any_case)})$"
        ret["description"] = f"One of {', '.join(words)}, in any case; stored in lower case."
    return {}


def _add_components(spec: APISpec) -> None:
    spec.components.security_scheme(
        "bearerAuth",
        {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A JWT whose `sub` is the user id: HS256/384/512 with JWT_SECRET, or "
            "EdDSA/ES*/RS*/PS* from JWT_JWKS_URL (e.g. Better Auth).",
        },
    )
    # every field is in every task the API sends (null where empty): say so, so clients and
    # schemathesis can rely on it
    spec.components.schema("Task", {"required": list(TASK_FIELDS)}, schema=TaskSchema)
    spec.components.schema("TaskInput", schema=TaskInput)
    spec.components.schema("TaskPatch", schema=TaskInput(partial=True))
    spec.components.schema("TaskPage", schema=TaskPage)
    spec.components.schema("TaskMove", schema=TaskMove)
    spec.components.schema("List", {"required": list(LIST_FIELDS)}, schema=ListSchema)
    spec.components.schema("ListInput", schema=ListInput)
    spec.components.schema("ListPatch", schema=ListInput(partial=True))
    spec.components.schema("ListMove", schema=ListMove)
    spec.components.schema("ListPage", schema=ListPage)
    spec.components.schema("ToggleResult", schema=ToggleResult)
    spec.components.schema("HealthStatus", schema=HealthStatus)
    spec.components.schema("LiveStatus", schema=LiveStatus)
    spec.components.schema("OccurrenceList", schema=OccurrenceList)
    spec.components.schema("TaskList", schema=TaskList)
    spec.components.schema("SyncBatch", schema=SyncBatch)
    spec.components.schema("Problem", schema=Problem)
    for name, header in RESPONSE_HEADERS.items():
        spec.components.header(name, header)
    for name, param in REQUEST_HEADERS.items():
        spec.components.parameter(name, "header", param)
    spec.components.response(
        "UriTooLong",
        {
            "description": "The request line is over gunicorn's limit_request_line (8190 bytes, e.g. a "
            "long search in non-Latin script); gunicorn answers before taskapi, in HTML.",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
    )
    for code, (description, headers) in PROBLEMS.items():
        spec.components.response(
            f"Problem{code}",
            {
                "description": description,
                "content": {PROBLEM_JSON: {"schema": ref("schemas", "Problem")}},
                "headers": {name: ref("headers", name) for name in ("X-Request-ID", *headers)},
            },
        )


def build_spec(app: falcon.App, version: str) -> dict[str, Any]:
    marshmallow = MarshmallowPlugin()
    spec = APISpec(
        title="taskapi",
        version=version,
        openapi_version=OPENAPI_VERSION,
        plugins=[marshmallow],
        info={
            "description": "A multi-user task API. Errors are RFC 9457 problem+json; every "
            "`/api/v1` route needs `Authorization: Bearer <JWT>`."
        },
        security=[{"bearerAuth": []}],
    )
    assert marshmallow.converter is not None  # set when the plugin joined the spec
    marshmallow.converter.add_attribute_function(_choice_in_any_case)
    _add_components(spec)
    for template, resource, responders in sorted(served_routes(app), key=lambda route: route[0]):
        docs = getattr(resource, "openapi", {})
        path, path_parameters = _path(template)
        operations = {}
        for method, responder in responders.items():
            doc = docs.get(responder.__name__)
            if doc is None:  # tests/test_openapi.py names it; the app still starts
                doc = operation(f"{method} {template} (undocumented)", responses={200: {"description": "?"}})
                doc[UNDOCUMENTED] = True
            operations[method.lower()] = _complete(doc)
        spec.path(path=path, operations=operations, parameters=path_parameters)
    document = spec.to_dict()
    _comma_separated_lists(document)
    return document


def _comma_separated_lists(document: dict[str, Any]) -> None:
    """Our list parameters are `?tags=a,b` (schemas.CommaSeparated), which OpenAPI writes as
    form style without explode; apispec assumes `?tags=a&tags=b`."""
    for item in document["paths"].values():
        for op in item.values():
            for param in op.get("parameters", []) if isinstance(op, dict) else []:
                if param.get("in") == "query" and param.get("schema", {}).get("type") == "array":
                    param["explode"] = False
