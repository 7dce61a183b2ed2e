"""RFC 9457 problem+json for every error: Falcon's own, the store's, validation, and crashes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import falcon
import orjson

from taskapi.auth import AuthError
from taskapi.db import DatabaseUnavailable, PreparedStatementMismatch
from taskapi.domain.errors import Invalid
from taskapi.http.conditional import etag
from taskapi.schemas import list_json, task_json
from taskapi.store import (
    DeliveryNotFound,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    InboxNotDeletable,
    LimitReached,
    ListNameTaken,
    ListNotFound,
    SubscriptionNotFound,
    SyncCursorExpired,
    TaskNotFound,
    VersionMismatch,
)

log = logging.getLogger("taskapi.http.errors")
Handler = Callable[[falcon.Request, falcon.Response, Any, Any], None]
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
    # a 400 Falcon or the server raised itself still names what was wrong, as every 400 does
    extra: dict[str, Any] = {"errors": {"request": [detail]}} if code == 400 else {}
    render_problem(req, resp, code, detail, **extra)


def _invalid(req: falcon.Request, resp: falcon.Response, ex: Invalid, params: Any) -> None:
    """Every 400 about the request's content: the fields, parameters or headers and what each breaks."""
    render_problem(
        req,
        resp,
        400,
        "The request has invalid fields: " + ", ".join(ex.errors) + ".",
        type_="/problems/validation-error",
        errors=ex.errors,
    )


def _fixed(status: int, type_: str, detail: str, *, retry_after: str | None = None) -> Handler:
    """The handler of an error whose answer is always the same."""

    def handler(req: falcon.Request, resp: falcon.Response, ex: Exception, params: Any) -> None:
        if retry_after is not None:
            resp.set_header("Retry-After", retry_after)
        render_problem(req, resp, status, detail, type_=type_)

    return handler


FIXED_PROBLEMS: dict[type[Exception], Handler] = {
    TaskNotFound: _fixed(404, "about:blank", "No task with this id."),
    ListNotFound: _fixed(404, "about:blank", "No list with this id."),
    ListNameTaken: _fixed(
        409, "/problems/list-name-taken", "You have a list of this name already (names ignore case)."
    ),
    InboxNotDeletable: _fixed(
        409, "/problems/inbox-not-deletable", "The Inbox can be renamed and moved, but not deleted."
    ),
    SubscriptionNotFound: _fixed(404, "about:blank", "No webhook subscription with this id."),
    DeliveryNotFound: _fixed(404, "about:blank", "No delivery with this id for this subscription."),
    IdempotencyKeyInUse: _fixed(
        409,
        "/problems/idempotency-key-in-use",
        "A request with this Idempotency-Key is still being processed; retry it shortly, "
        "with the same key, to get its answer.",
        retry_after="1",
    ),
    IdempotencyKeyReused: _fixed(
        422,
        "/problems/idempotency-key-reused",
        "This Idempotency-Key was used for a different request (method, path, If-Match or body); "
        "use a new key for a new request.",
    ),
    SyncCursorExpired: _fixed(
        410,
        "/problems/sync-cursor-expired",
        "The sync cursor is older than the deletions kept; changes may be missing. "
        "Do a full sync: GET /api/v1/sync without a cursor.",
    ),
}


def _version_mismatch(req: falcon.Request, resp: falcon.Response, ex: VersionMismatch, params: Any) -> None:
    current = list_json(ex.current) if ex.kind == "list" else task_json(ex.current)
    resp.set_header("ETag", etag(current["version"]))
    render_problem(
        req,
        resp,
        412,
        f"The {ex.kind} has changed: it is at version {current['version']}. "
        f"Nothing was changed; merge with the current {ex.kind} and retry.",
        type_="/problems/version-mismatch",
        current=current,
    )


def _limit(req: falcon.Request, resp: falcon.Response, ex: LimitReached, params: Any) -> None:
    render_problem(
        req,
        resp,
        409,
        f"This account keeps {ex.limit} {ex.kind}, the most it may; delete some to add more.",
        type_=f"/problems/{ex.kind[:-1]}-limit-reached",
        limit=ex.limit,
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


def _mismatch(req: falcon.Request, resp: falcon.Response, ex: PreparedStatementMismatch, params: Any) -> None:
    """A set-up bug, not an outage: 500 (retrying cannot help), and a log line naming the cause."""
    log.error("%s", ex, extra=_who(req))
    _server_error(req, resp)


def _who(req: falcon.Request) -> dict[str, Any]:
    """The ids an error's log line carries (never the token or the body)."""
    return {
        "request_id": getattr(req.context, "request_id", None),
        "user_id": getattr(req.context, "user_id", None),
        "method": req.method,
        "route": req.uri_template,
    }


def _crash(req: falcon.Request, resp: falcon.Response, ex: Exception, params: Any) -> None:
    # Falcon's HTTPError never gets here: its own handler is the more specific one
    log.error("unhandled error", exc_info=ex, extra=_who(req))
    _server_error(req, resp)


def _server_error(req: falcon.Request, resp: falcon.Response) -> None:
    request_id = getattr(req.context, "request_id", None)
    render_problem(req, resp, 500, f"Something went wrong on our side. Quote request id {request_id}.")


def _http_error(req: falcon.Request, resp: falcon.Response, ex: falcon.HTTPError, params: Any) -> None:
    """What Falcon does with its own errors: their headers (Allow, ...), then the serializer."""
    resp.set_headers(ex.headers or {})
    serialize_http_error(req, resp, ex)


# every error type the API answers for, each with its handler; Falcon, like `render_error`, takes
# the handler of the nearest class in the error's MRO
HANDLERS: dict[type[Exception], Handler] = {
    Exception: _crash,
    falcon.HTTPError: _http_error,
    Invalid: _invalid,
    VersionMismatch: _version_mismatch,
    **FIXED_PROBLEMS,
    LimitReached: _limit,
    AuthError: _unauthorized,
    DatabaseUnavailable: _unavailable,
    PreparedStatementMismatch: _mismatch,
}


def _handler(ex: Exception) -> Handler:
    return next(HANDLERS[cls] for cls in type(ex).__mro__ if cls in HANDLERS)


def render_error(req: falcon.Request, resp: falcon.Response, ex: Exception) -> None:
    """Answer `ex` exactly as the app would: for a request run inside another (a batch's operation)."""
    _handler(ex)(req, resp, ex, {})


def is_refusal(ex: Exception) -> bool:
    """Whether the app answers `ex` with a 4xx (the request's fault), not a 5xx (the server's)."""
    if isinstance(ex, falcon.HTTPError):
        return ex.status_code < 500
    return _handler(ex) not in (_crash, _unavailable, _mismatch)


def install(app: falcon.App) -> None:
    app.set_error_serializer(serialize_http_error)
    for error, handler in HANDLERS.items():
        if error is not falcon.HTTPError:  # Falcon renders its own through the serializer
            app.add_error_handler(error, handler)
