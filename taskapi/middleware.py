"""Request wiring: request ids, the access log line, the body size limit and bearer auth."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

import falcon

from taskapi.auth import AuthError, TokenVerifier

access_log = logging.getLogger("taskapi.access")
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}$")


class RequestContext:
    """Gives every request an id (the client's when sane) and logs one JSON line per request."""

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.started = time.perf_counter()
        given = req.get_header("X-Request-ID")
        req.context.request_id = given if given and _SANE_REQUEST_ID.match(given) else uuid.uuid4().hex
        req.context.user_id = None

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        resp.set_header("X-Request-ID", req.context.request_id)
        access_log.info(
            "request",
            extra={
                "method": req.method,
                "path": req.path,
                "route": req.uri_template,
                "status": int(resp.status_code),
                "duration_ms": round((time.perf_counter() - req.context.started) * 1000, 2),
                "request_id": req.context.request_id,
                "user_id": req.context.user_id,
            },
        )


class BodyLimit:
    """Refuses a declared body over the limit before anything reads it (chunked bodies are
    bounded where they are read)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        if req.content_length is not None and req.content_length > self.max_bytes:
            raise falcon.HTTPContentTooLarge(description=f"The body is larger than {self.max_bytes} bytes.")


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
