"""The HTTP side of Idempotency-Key: the header, the request's fingerprint, saving and replaying,
as one decorator every writing POST responder shares."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
from collections.abc import Callable
from typing import Any

import falcon
import orjson

from taskapi.domain.errors import Invalid
from taskapi.store import SavedResponse

Responder = Callable[..., None]
HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[\x20-\x7e]{1,255}$")
# the headers a replay must repeat for the client to see the same answer
_REPLAYED_HEADERS = ("Content-Type", "Location", "ETag", "Link", "Cache-Control")


def idempotency_key(req: falcon.Request) -> str | None:
    key = req.get_header(HEADER)
    if key is None:
        return None
    if not _KEY.match(key):
        raise Invalid({HEADER: ["Must be 1 to 255 printable ASCII characters, e.g. a UUID."]})
    return key


def fingerprint(req: falcon.Request) -> bytes:
    """What makes two requests the same: method, path, precondition and the body (a JSON body as
    JSON with sorted keys, so a client re-serialising the same object is still the same request)."""
    body: bytes = req.context.body
    # not JSON: the responder refuses it; a retry of the same bytes is still the same request
    with contextlib.suppress(orjson.JSONDecodeError):
        body = orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS) if body.strip() else b""
    parts = [req.method.encode(), req.path.encode(), (req.get_header("If-Match") or "").encode(), body]
    return hashlib.sha256(b"\x00".join(parts)).digest()


def idempotent(responder: Responder) -> Responder:
    """Run a POST responder once per Idempotency-Key: a retry with the same key and request gets
    the first answer again (Idempotent-Replayed: true); the write, the key and the stored answer
    commit together. The resource holds its IdempotencyStore as `self.idempotency`."""

    @functools.wraps(responder)
    def once(resource: Any, req: falcon.Request, resp: falcon.Response, **params: Any) -> None:
        key = idempotency_key(req)
        # without a key nothing is stored or compared: no need to re-read the body for a fingerprint
        request_hash = fingerprint(req) if key is not None else b""
        with resource.idempotency.claim(req.context.user_id, key, request_hash) as claim:
            if claim.replay is not None:
                replay(resp, claim.replay)
                return
            responder(resource, req, resp, **params)
            claim.save(saved_from(resp))

    return once


def saved_from(resp: falcon.Response) -> SavedResponse:
    headers = {name: value for name in _REPLAYED_HEADERS if (value := resp.get_header(name)) is not None}
    return SavedResponse(int(resp.status_code), headers, bytes(resp.data or b""))


def replay(resp: falcon.Response, saved: SavedResponse) -> None:
    resp.status = saved.status
    for name, value in saved.headers.items():
        resp.set_header(name, value)
    resp.set_header("Idempotent-Replayed", "true")
    resp.data = saved.body
