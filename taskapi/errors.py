"""RFC 9457 problem+json for every error: Falcon's own, the store's, validation, and crashes."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import falcon
import orjson
from marshmallow import ValidationError

from taskapi.auth import AuthError
from taskapi.db import DatabaseUnavailable
from taskapi.schemas import flatten_errors, task_json
from taskapi.store import (
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    InvalidTask,
    SyncCursorExpired,
    TaskNotFound,
    VersionMismatch,
)

log = logging.getLogger("taskapi.errors")
PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_SECONDS = "2"


def render_problem(
    req: falcon.Request,
    resp: falcon.Response,
    status: int,
    detail: str,
    *,
    type_: str = "about:blank",
    title: str | None = None,
    **extra: Any,
) -> None:
    resp.status = status
    resp.content_type = PROBLEM_JSON
    problem = {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": req.path,
        "request_id": getattr(req.context, "request_id", None),
        **extra,
    }
    resp.data = orjson.dumps(problem)


def serialize_http_error(req: falcon.Request, resp: falcon.Response, error: falcon.HTTPError) -> None:
    """Falcon's own errors (404 route, 405, 413, 415, malformed input, ...) as problem+json."""
    code = error.status_code
    detail = error.description or {
        404: f"There is nothing at {req.path}.",
        405: f"{req.method} is not allowed on {req.path}; see the Allow header.",
    }.get(code, HTTPStatus(code).phrase + ".")
    extra = getattr(error, "problem_extra", {})
    render_problem(req, resp, code, detail, type_=extra.pop("type", "about:blank"), **extra)


class ValidationProblem(falcon.HTTPBadRequest):
    """400 with the per-field messages a form can show next to its inputs."""

    def __init__(self, errors: dict[str, list[str]], detail: str = "The request has invalid fields.") -> None:
        super().__init__(description=detail)
        self.problem_extra = {"type": "/problems/validation-error", "errors": errors}


def _validation(req: falcon.Request, resp: falcon.Response, ex: ValidationError, params: Any) -> None:
    errors = flatten_errors(ex.messages)
    render_problem(
        req,
        resp,
        400,
        "The request has invalid fields: " + ", ".join(errors) + ".",
        type_="/problems/validation-error",
        errors=errors,
    )


def _invalid_task(req: falcon.Request, resp: falcon.Response, ex: InvalidTask, params: Any) -> None:
    render_problem(
        req,
        resp,
        400,
        "The task would break a rule: " + ", ".join(ex.errors) + ".",
        type_="/problems/validation-error",
        errors=ex.errors,
    )


def _not_found(req: falcon.Request, resp: falcon.Response, ex: TaskNotFound, params: Any) -> None:
    render_problem(req, resp, 404, "No task with this id.")


def _version_mismatch(req: falcon.Request, resp: falcon.Response, ex: VersionMismatch, params: Any) -> None:
    current = task_json(ex.current)
    resp.set_header("ETag", f'"{current["version"]}"')
    render_problem(
        req,
        resp,
        412,
        f"The task has changed: it is at version {current['version']}. "
        "Nothing was changed; merge with the current task and retry.",
        type_="/problems/version-mismatch",
        current=current,
    )


def _key_in_use(req: falcon.Request, resp: falcon.Response, ex: IdempotencyKeyInUse, params: Any) -> None:
    resp.set_header("Retry-After", "1")
    render_problem(
        req,
        resp,
        409,
        "A request with this Idempotency-Key is still being processed; retry it shortly, "
        "with the same key, to get its answer.",
        type_="/problems/idempotency-key-in-use",
    )


def _key_reused(req: falcon.Request, resp: falcon.Response, ex: IdempotencyKeyReused, params: Any) -> None:
    render_problem(
        req,
        resp,
        422,
        "This Idempotency-Key was used for a different request (method, path, If-Match or body); "
        "use a new key for a new request.",
        type_="/problems/idempotency-key-reused",
    )


def _cursor_expired(req: falcon.Request, resp: falcon.Response, ex: SyncCursorExpired, params: Any) -> None:
    render_problem(
        req,
        resp,
        410,
        "The sync cursor is older than the deletions kept; changes may be missing. "
        "Do a full sync: GET /api/v1/sync without a cursor.",
        type_="/problems/sync-cursor-expired",
    )


def _unauthorized(req: falcon.Request, resp: falcon.Response, ex: AuthError, params: Any) -> None:
    resp.set_header(
        "WWW-Authenticate",
        'Bearer realm="taskapi", error="invalid_token"'
        if req.get_header("Authorization")
        else 'Bearer realm="taskapi"',
    )
    render_problem(req, resp, 401, str(ex))


def _unavailable(req: falcon.Request, resp: falcon.Response, ex: DatabaseUnavailable, params: Any) -> None:
    log.warning("database unavailable: %s", ex, extra=_who(req))
    resp.set_header("Retry-After", RETRY_AFTER_SECONDS)
    render_problem(
        req, resp, 503, "The database is unavailable; retry shortly.", type_="/problems/database-unavailable"
    )


def _who(req: falcon.Request) -> dict[str, Any]:
    """The ids an error's log line carries (never the token or the body)."""
    return {
        "request_id": getattr(req.context, "request_id", None),
        "user_id": getattr(req.context, "user_id", None),
        "method": req.method,
        "route": req.uri_template,
    }


def _crash(req: falcon.Request, resp: falcon.Response, ex: Exception, params: Any) -> None:
    if isinstance(ex, falcon.HTTPError):  # raised from a handler: keep its status
        raise ex
    request_id = getattr(req.context, "request_id", None)
    log.error("unhandled error", exc_info=ex, extra=_who(req))
    render_problem(req, resp, 500, f"Something went wrong on our side. Quote request id {request_id}.")


def install(app: falcon.App) -> None:
    app.set_error_serializer(serialize_http_error)
    app.add_error_handler(Exception, _crash)
    app.add_error_handler(ValidationError, _validation)
    app.add_error_handler(InvalidTask, _invalid_task)
    app.add_error_handler(TaskNotFound, _not_found)
    app.add_error_handler(VersionMismatch, _version_mismatch)
    app.add_error_handler(IdempotencyKeyInUse, _key_in_use)
    app.add_error_handler(IdempotencyKeyReused, _key_reused)
    app.add_error_handler(SyncCursorExpired, _cursor_expired)
    app.add_error_handler(AuthError, _unauthorized)
    app.add_error_handler(DatabaseUnavailable, _unavailable)
