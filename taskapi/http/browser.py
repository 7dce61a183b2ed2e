"""Headers for browsers: CORS for the allowed frontends, and the security headers on every response."""

from __future__ import annotations

from typing import Any

import falcon

ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
ALLOW_HEADERS = "Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key, X-Request-ID"
EXPOSE_HEADERS = "ETag, Location, X-Request-ID, Link, Retry-After, Idempotent-Replayed"
PREFLIGHT_MAX_AGE = "600"  # seconds a browser may reuse a preflight answer (Chromium caps it at 7200)


class Cors:
    """CORS for `origins` (`*` allows any). A preflight from an allowed origin is answered here, before
    routing and auth; any other origin gets no CORS headers at all, so its browser blocks the call.
    Tokens travel in Authorization, not cookies, so credentials are never allowed."""

    def __init__(self, origins: tuple[str, ...]) -> None:
        self.any_origin = "*" in origins
        self.origins = frozenset(origins)

    def _allowed(self, req: falcon.Request) -> str | None:
        origin = req.get_header("Origin")
        if origin is None:
            return None
        if self.any_origin:
            return "*"
        return origin if origin in self.origins else None

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        if req.method != "OPTIONS" or not req.get_header("Access-Control-Request-Method"):
            return
        if self._allowed(req) is None:
            return  # Falcon's own OPTIONS answer, without CORS headers: the browser blocks
        resp.status = 204
        resp.set_header("Access-Control-Allow-Methods", ALLOW_METHODS)
        resp.set_header("Access-Control-Allow-Headers", ALLOW_HEADERS)
        resp.set_header("Access-Control-Max-Age", PREFLIGHT_MAX_AGE)
        resp.complete = True  # skip routing, auth and the responder

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        resp.append_header("Vary", "Origin")  # the answer differs by Origin: caches must key on it
        allowed = self._allowed(req)
        if allowed is not None:
            resp.set_header("Access-Control-Allow-Origin", allowed)
            resp.set_header("Access-Control-Expose-Headers", EXPOSE_HEADERS)


class SecurityHeaders:
    """nosniff and no-referrer everywhere; HSTS when `hsts_seconds` > 0 (only behind HTTPS)."""

    def __init__(self, hsts_seconds: int) -> None:
        self.hsts = f"max-age={hsts_seconds}; includeSubDomains" if hsts_seconds > 0 else None

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        resp.set_header("X-Content-Type-Options", "nosniff")
        resp.set_header("Referrer-Policy", "no-referrer")
        if self.hsts is not None:
            resp.set_header("Strict-Transport-Security", self.hsts)
