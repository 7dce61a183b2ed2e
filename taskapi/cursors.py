"""Listing cursors: an opaque, HMAC-signed keyset position, valid only for the listing it came from.

A cursor carries the sort key and id of a page's last task. Its MAC covers the user and the
listing's sort and filters, so a cursor that was altered, made up, or reused with another
sort, other filters or by another user is refused (CursorError) before anything reaches SQL.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson

_MAC_BYTES = 16
_VERSION = 1


class CursorError(ValueError):
    """Not a cursor of this listing; str(e) is a message for the client."""


class CursorCodec:
    def __init__(self, secret: str) -> None:
        # a key of its own, derived from the service's secret: a cursor MAC is never a token MAC
        self._key = hmac.new(secret.encode(), b"taskapi listing cursor v1", hashlib.sha256).digest()

    def encode(self, user_id: str, listing: bytes, key: Any, task_id: UUID) -> str:
        """The cursor after (key, task_id); `listing` identifies the sort and filters."""
        value = key.isoformat() if isinstance(key, datetime) else key
        payload = orjson.dumps([_VERSION, value, task_id.hex])
        token = payload + self._mac(user_id, listing, payload)
        return base64.urlsafe_b64encode(token).rstrip(b"=").decode()

    def decode(self, user_id: str, listing: bytes, cursor: str, key_type: type) -> tuple[Any, UUID]:
        """(key, task_id) of a cursor made by encode() for this user and listing."""
        try:
            token = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            raise CursorError("Not a cursor of this API; use next_cursor as given.") from None
        payload, mac = token[:-_MAC_BYTES], token[-_MAC_BYTES:]
        if len(token) <= _MAC_BYTES or not hmac.compare_digest(mac, self._mac(user_id, listing, payload)):
            raise CursorError(
                "Not a cursor of this listing: use next_cursor as given, with the same "
                "sort and filters as the request that returned it."
            )
        version, value, task_hex = orjson.loads(payload)
        if version != _VERSION:
            raise CursorError("This cursor is from an older version; start from the first page.")
        return _typed(value, key_type), UUID(hex=task_hex)

    def _mac(self, user_id: str, listing: bytes, payload: bytes) -> bytes:
        message = orjson.dumps([user_id, listing.decode()]) + payload
        return hmac.new(self._key, message, hashlib.sha256).digest()[:_MAC_BYTES]


def _typed(value: Any, key_type: type) -> Any:
    """The key as the sort's type; a signed cursor always has it, this is the last line."""
    if key_type is datetime and isinstance(value, str):
        return datetime.fromisoformat(value)
    if key_type is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, key_type) and not isinstance(value, bool):
        return value
    raise CursorError("Not a cursor of this listing; use next_cursor as given.")
