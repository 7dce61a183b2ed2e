"""The OpenAPI document, built once at start-up from the app's routes, each resource's `openapi`
operations (next to its responders) and the marshmallow schemas.

A resource documents a responder by its name: `openapi = {"on_get": operation(...), ...}`. Whatever
every operation shares (X-Request-ID, 401/503 on authenticated routes, 400/413/415 where a body
is read) is added here, so a resource states only what is particular to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import falcon
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow.validate import Length

from taskapi.domain import syntax
from taskapi.openapi.facts import (
    PROBLEM_JSON,
    PROBLEMS,
    REQUEST_HEADERS,
    RESPONSE_HEADERS,
    operation,
    problems,
    ref,
)
from taskapi.openapi.shapes import (
    BatchResult,
    DeliveryList,
    HealthStatus,
    ListPage,
    LiveStatus,
    OccurrenceList,
    Problem,
    RetryQueued,
    SyncBatch,
    TaskList,
    TaskPage,
    ToggleResult,
    WebhookList,
)
from taskapi.schemas import (
    LIST_FIELDS,
    LIST_READ_ONLY,
    READ_ONLY,
    TASK_FIELDS,
    BatchInput,
    Choice,
    CommaSeparated,
    ListInput,
    ListMove,
    ListSchema,
    QueryTimestamp,
    TaskInput,
    TaskMove,
    TaskSchema,
    Text,
    Timestamp,
)
from taskapi.webhooks.schemas import WEBHOOK_FIELDS, WebhookCreated, WebhookInput, WebhookSchema

# Swagger UI 4 (swagger-ui-bundle) renders 3.0 documents; it cannot render 3.1.
OPENAPI_VERSION = "3.0.3"
UNDOCUMENTED = "x-undocumented"
Route = tuple[str, object, str]  # URI template, resource, responder suffix ("" or "_<suffix>")


def served_routes(routes: Iterable[Route]) -> Iterator[tuple[str, object, dict[str, Any]]]:
    """(URI template, resource, {HTTP method: responder}) for every route the app added; HEAD,
    which mirrors GET on every route, is left out (the document describes GET)."""
    for template, resource, suffix in routes:
        responders = {
            method: getattr(resource, f"on_{method.lower()}{suffix}")
            for method in falcon.constants.COMBINED_METHODS
            if method != "HEAD" and hasattr(resource, f"on_{method.lower()}{suffix}")
        }
        yield template, resource, responders


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
    op = {**op, "parameters": [*op.get("parameters", []), "XRequestId"]}
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


def _text_as_sent(converter: Any, field: Any, ret: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """A Text is checked after trimming and refuses NUL: a pattern says so of the text as sent
    (minLength/maxLength would count the white space the server drops)."""
    if isinstance(field, CommaSeparated) and isinstance(field.inner, Text):
        # a list in a query string is split at commas first: its items cannot hold one
        _text_pattern(field.inner, ret["items"], excluded="\x00,")
    elif isinstance(field, Text):
        _text_pattern(field, ret, excluded="\x00")
    return {}


def _text_pattern(field: Text, ret: dict[str, Any], excluded: str) -> None:
    if not field.trim:
        ret["pattern"] = syntax.text(trim=False, excluded=excluded)
        return
    ret.pop("minLength", None), ret.pop("maxLength", None)
    lengths = [v for v in field.validators if isinstance(v, Length)]
    low = max([0, *(v.min for v in lengths if v.min is not None)])
    high = min([v.max for v in lengths if v.max is not None], default=None)
    ret["pattern"] = syntax.text(trim=True, min_length=low, max_length=high, excluded=excluded)
    ret["description"] = f"Trimmed, then {low} to {high} characters; no NUL." if high else "Trimmed."


def _timestamp_as_sent(converter: Any, field: Any, ret: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """A Timestamp's exact form; in a query string also a space for `+`, which format: date-time
    would refuse (the pattern holds the calendar, so it needs no format)."""
    if isinstance(field, Timestamp):
        ret["pattern"], ret["description"] = field.document_pattern, field.description
        if isinstance(field, QueryTimestamp):
            ret.pop("format", None)
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
    _add_schemas(spec)
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


# the schemas of what the API sends and takes, by component name; every field is in every task,
# list and subscription the API sends (null where empty), so they are `required`
_OUTPUT_SCHEMAS = {"Task": (TaskSchema, TASK_FIELDS), "List": (ListSchema, LIST_FIELDS)}
_INPUT_SCHEMAS = {"Task": (TaskInput, READ_ONLY), "List": (ListInput, LIST_READ_ONLY)}
_SHAPES = {
    "TaskPage": TaskPage,
    "TaskMove": TaskMove,
    "ListMove": ListMove,
    "ListPage": ListPage,
    "ToggleResult": ToggleResult,
    "HealthStatus": HealthStatus,
    "LiveStatus": LiveStatus,
    "OccurrenceList": OccurrenceList,
    "TaskList": TaskList,
    "SyncBatch": SyncBatch,
    "Problem": Problem,
    "BatchInput": BatchInput,
    "BatchResult": BatchResult,
    "WebhookInput": WebhookInput,
    "WebhookList": WebhookList,
    "DeliveryList": DeliveryList,
    "RetryQueued": RetryQueued,
}


def _add_schemas(spec: APISpec) -> None:
    """Named before anything that nests them (apispec names a nested schema where it first meets it)."""
    for name, (output, fields) in _OUTPUT_SCHEMAS.items():
        spec.components.schema(name, {"required": list(fields)}, schema=output)
    spec.components.schema("Webhook", {"required": list(WEBHOOK_FIELDS)}, schema=WebhookSchema)
    spec.components.schema("WebhookCreated", {"required": [*WEBHOOK_FIELDS, "secret"]}, schema=WebhookCreated)
    for name, (given, read_only) in _INPUT_SCHEMAS.items():
        spec.components.schema(f"{name}Input", schema=given)
        spec.components.schema(f"{name}Patch", schema=given(partial=True))
        ignored = {field: {"description": "Read-only: ignored when sent."} for field in read_only}
        for variant in (f"{name}Input", f"{name}Patch"):
            # an object as read may be sent back: its read-only fields are accepted and ignored
            spec.components.schemas[variant]["properties"].update(ignored)
    spec.components.schema("WebhookPatch", schema=WebhookInput(partial=True))
    for name, shape in _SHAPES.items():
        spec.components.schema(name, schema=shape)


def build_spec(routes: Iterable[Route], version: str) -> dict[str, Any]:
    """The document of `routes`: (URI template, resource, responder suffix) as the app added them."""
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
    marshmallow.converter.add_attribute_function(_text_as_sent)
    marshmallow.converter.add_attribute_function(_timestamp_as_sent)
    _add_components(spec)
    for template, resource, responders in sorted(served_routes(routes), key=lambda route: route[0]):
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
