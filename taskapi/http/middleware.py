"""Request wiring: request ids, the access log line, the (bounded) request body and bearer auth."""

from __future__ import annotations

import re
import time
from typing import Any

import falcon
import uuid_utils

from taskapi.auth import AuthError, TokenVerifier
from taskapi.domain.errors import Invalid
from taskapi.logs import AccessLog

_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$")


class RequestContext:
    """Gives every request an id (the client's when sane) and logs one JSON line per request."""

    def __init__(self) -> None:
        self.access_log = AccessLog()

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.started = time.perf_counter()
        given = req.get_header("X-Request-ID")
        req.context.request_id = given if given and _SANE_REQUEST_ID.match(given) else uuid_utils.uuid4().hex
        req.context.user_id = None

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        resp.set_header("X-Request-ID", req.context.request_id)
        self.access_log.write(
            {
                "method": req.method,
                "path": req.path,
                "route": req.uri_template,
                "status": int(resp.status_code),
                "duration_ms": round((time.perf_counter() - req.context.started) * 1000, 2),
                "request_id": req.context.request_id,
                "user_id": req.context.user_id,
            }
        )


class RequestBody:
    """Reads every request body up front, at most MAX_BODY_BYTES of it, into req.context.body.

    A Content-Length body over the limit is refused before anything reads it. A chunked body is
    read from the server's input, which gunicorn ends at the last chunk (wsgi.input_terminated),
    and refused once it passes the limit, so at most the limit (plus one read) is held. Reading it
    here, for every route, means a malformed chunked body gets one 400 from us: gunicorn then
    closes the connection instead of tripping over the body itself and answering a second time.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.body = b""
        if req.content_length is not None:
            if req.content_length > self.max_bytes:
                raise self._too_large()
            stream: Any = req.bounded_stream
        elif req.get_header("Transfer-Encoding"):
            if not req.env.get("wsgi.input_terminated"):
                # a server that does not end the input at the last chunk would block the read
                raise falcon.HTTPLengthRequired(description="Send the body with a Content-Length.")
            stream = req.stream
        else:
            return
        try:
            data = stream.read(self.max_bytes + 1)
        except Exception:  # the server's parser raises its own types for bad chunk framing
            raise Invalid({"body": ["Could not be read: its chunked encoding is malformed."]}) from None
        if len(data) > self.max_bytes:
            raise self._too_large()
        req.context.body = data

    def _too_large(self) -> falcon.HTTPError:
        return falcon.HTTPContentTooLarge(description=f"The body is larger than {self.max_bytes} bytes.")


class BearerAuth:
    """Every resource not marked `public = True` needs a valid bearer token; its user id is the
    only one the handlers ever use (req.context.user_id)."""

    def __init__(self, verifier: TokenVerifier) -> None:
        self.verifier = verifier

    def process_resource(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, params: Any
    ) -> None:
        if resource is None or getattr(resource, "public", False) or req.method == "OPTIONS":
            return
        scheme, _, token = (req.get_header("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("missing bearer token: send Authorization: Bearer <JWT>")
        req.context.user_id = self.verifier.verify(token.strip())
