"""Listing cursors: an opaque, HMAC-signed keyset position, valid only for the listing it came from.

A cursor carries the sort key and id of a page's last task. Its MAC covers the user and the
listing's sort and filters, so a cursor that was altered, made up, or reused with another
sort, other filters or by another user is refused (Invalid, naming `cursor`) before anything
reaches SQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import orjson

from taskapi.cursors.signer import Signer
from taskapi.domain.errors import Invalid

_VERSION = 1


def _refused(message: str) -> Invalid:
    return Invalid({"cursor": [message]})


class ListingCursors:
    def __init__(self, key: bytes) -> None:
        self._signer = Signer(key, "listing cursor v1")

    def encode(self, user_id: str, listing: bytes, key: Any, task_id: UUID) -> str:
        """The cursor after (key, task_id); `listing` identifies the sort and filters."""
        value = key.isoformat() if isinstance(key, datetime) else key
        return self._signer.sign(user_id, orjson.dumps([_VERSION, value, task_id.hex]), listing)

    def decode(self, user_id: str, listing: bytes, cursor: str, key_type: type) -> tuple[Any, UUID]:
        """(key, task_id) of a cursor made by encode() for this user and listing."""
        payload = self._signer.unsign(user_id, cursor, listing)
        if payload is None:
            raise _refused(
                "Not a cursor of this listing: use next_cursor as given, with the same "
                "sort and filters as the request that returned it."
            )
        version, value, task_hex = orjson.loads(payload)
        if version != _VERSION:
            raise _refused("This cursor is from an older version; start from the first page.")
        return _typed(value, key_type), UUID(hex=task_hex)


def _typed(value: Any, key_type: type) -> Any:
    """The key as the sort's type; a signed cursor always has it, this is the last line."""
    if key_type is datetime and isinstance(value, str):
        return datetime.fromisoformat(value)
    if key_type is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, key_type) and not isinstance(value, bool):
        return value
    raise _refused("Not a cursor of this listing; use next_cursor as given.")
