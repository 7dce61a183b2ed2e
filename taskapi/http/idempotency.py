"""The HTTP side of Idempotency-Key: the header, the request's fingerprint, saving and replaying."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import falcon
import orjson

from taskapi.domain.errors import Invalid
from taskapi.store import SavedResponse

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


def fingerprint(req: falcon.Request, body: Any = None) -> bytes:
    """What makes two requests the same: method, path, precondition and the body as JSON with
    sorted keys (so a client re-serialising the same object is still the same request)."""
    canonical = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    parts = [req.method.encode(), req.path.encode(), (req.get_header("If-Match") or "").encode(), canonical]
    return hashlib.sha256(b"\x00".join(parts)).digest()


def saved_from(resp: falcon.Response) -> SavedResponse:
    headers = {name: value for name in _REPLAYED_HEADERS if (value := resp.get_header(name)) is not None}
    return SavedResponse(int(resp.status_code), headers, bytes(resp.data or b""))


def replay(resp: falcon.Response, saved: SavedResponse) -> None:
    resp.status = saved.status
    for name, value in saved.headers.items():
        resp.set_header(name, value)
    resp.set_header("Idempotent-Replayed", "true")
    resp.data = saved.body
