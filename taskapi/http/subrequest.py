"""A request run through a responder inside this process (a batch's operation): a falcon Request
and Response of its own, set up as the middleware sets up a request, its errors answered as the
app answers them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import falcon
import falcon.testing
import orjson

from taskapi.http.errors import is_refusal, render_error

Responder = Callable[..., None]
T = TypeVar("T")
R = TypeVar("R")
# names as the API sends them (Falcon keeps response headers in lower case)
_HEADER_NAMES = {"etag": "ETag", "www-authenticate": "WWW-Authenticate"}


@dataclass(frozen=True)
class Answer:
    """What the responder answered: status, the headers it set, the body (None if none), and the
    refusal it raised (rendered as the app renders it), if any. A refusal's body is its problem,
    parsed (a batch adds to it); any other body is the JSON the responder wrote, to be sent as
    it is (an orjson Fragment: not parsed only to be serialised again)."""

    status: int
    headers: dict[str, str]
    body: Any
    error: Exception | None = None

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "headers": self.headers, "body": self.body}


@dataclass(frozen=True)
class Outer:
    """The request the calls are made in (its user, its request id) and its response, whose
    options (the app's, as are the request's) every call's request and response share: building
    Falcon's default options for each of them cost ~0.2 ms a call."""

    req: falcon.Request
    resp: falcon.Response

    def response(self) -> falcon.Response:
        return falcon.Response(options=self.resp.options)


@dataclass(frozen=True)
class Call:
    """One request: `path` with its route's `template` and path `params` as the router found them."""

    method: str
    path: str
    template: str
    params: dict[str, Any]
    headers: dict[str, str]
    body: bytes | None  # a JSON object, serialised; None: no body


def run(responder: Responder, call: Call, outer: Outer) -> Answer:
    """`responder` on a request of its own, for the user of `outer` (whose request id it shares).
    A refusal (4xx) is answered; the server's own failure (the database, a bug) is raised, for
    the outer request to fail with."""
    req = _request(call, outer)
    resp = outer.response()
    try:
        responder(req, resp, **call.params)
    except Exception as exc:
        if not is_refusal(exc):
            raise
        render_error(req, resp, exc)
        return _answer(resp, exc)
    return _answer(resp, None)


def run_all(
    check: Callable[[list[Any]], list[T]],
    write: Callable[[str, list[T]], Sequence[R]],
    send: Callable[[falcon.Response, R], None],
    bodies: list[Any],
    outer: Outer,
) -> list[Answer] | None:
    """Calls to one route as one write: the calls' JSON bodies `check`ed together (each as its
    responder checks the body it reads), all written by one `write` (for the user of `outer`),
    each answered by `send`, as its responder answers. None when one is refused: `write` then
    wrote nothing, and each call must `run` alone for its own answer. The server's own failure
    is raised, as by `run`."""
    try:
        values = check(bodies)
        written = write(outer.req.context.user_id, values)
    except Exception as exc:
        if not is_refusal(exc):
            raise
        return None
    answers = []
    for item in written:
        resp = outer.response()
        send(resp, item)
        answers.append(_answer(resp, None))
    return answers


def refuse(call: Call, outer: Outer, error: Exception) -> Answer:
    """The answer to `call` had it raised `error`: for a rule of the caller about the call."""
    resp = outer.response()
    render_error(_request(call, outer), resp, error)
    return _answer(resp, error)


def _request(call: Call, outer: Outer) -> falcon.Request:
    headers = dict(call.headers)
    if call.body is not None:
        headers["Content-Type"] = falcon.MEDIA_JSON
    env = falcon.testing.create_environ(
        path=call.path, method=call.method, headers=headers, body=call.body or b""
    )
    req = falcon.Request(env, options=outer.req.options)
    # what RequestContext, RequestBody and BearerAuth give every request
    req.context.request_id = outer.req.context.request_id
    req.context.user_id = outer.req.context.user_id
    req.context.body = call.body or b""
    req.uri_template = call.template
    return req


def _answer(resp: falcon.Response, error: Exception | None) -> Answer:
    headers = {_HEADER_NAMES.get(name, name.title()): value for name, value in resp.headers.items()}
    data = resp.data
    body = None if not data else orjson.Fragment(data) if error is None else orjson.loads(data)
    return Answer(int(resp.status_code), headers, body, error)
