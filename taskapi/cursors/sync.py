"""Sync cursors: a feed position, a purge exemption and the time issued, bound to a user, signed."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from taskapi.cursors.signer import Signer
from taskapi.domain.errors import Invalid
from taskapi.store import Position

_VERSION = 1
# version, position (xid, seq), exempt position (xid, seq), issued at (unix seconds)
_LAYOUT = struct.Struct(">BQQQQQ")
_TEXT = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
_CLOCK_SKEW = timedelta(minutes=5)
_NOT_ISSUED = "Not a cursor issued by this API to this user; use the cursor of the last sync."


@dataclass(frozen=True)
class Cursor:
    position: Position  # the last change handed out
    exempt: Position  # purged tombstones up to here cannot concern this client (see SyncStore)
    issued_at: datetime


class SyncCursors:
    """Sync cursors for one key; a cursor this service did not issue to this user is Invalid."""

    def __init__(self, key: bytes) -> None:
        self._signer = Signer(key, "sync cursor v1")

    def encode(self, user_id: str, cursor: Cursor) -> str:
        position, exempt = cursor.position, cursor.exempt
        issued = int(cursor.issued_at.timestamp())
        payload = _LAYOUT.pack(_VERSION, position.xid, position.seq, exempt.xid, exempt.seq, issued)
        return self._signer.sign(user_id, payload)

    def decode(self, user_id: str, text: str, now: datetime) -> Cursor:
        payload = self._signer.unsign(user_id, text) if _TEXT.match(text) else None
        if payload is None or len(payload) != _LAYOUT.size:
            raise Invalid(
                {"cursor": ["Not a cursor issued by this API to this user; use the cursor of the last sync."]}
            )
        version, xid, seq, exempt_xid, exempt_seq, issued = _LAYOUT.unpack(payload)
        too_big = max(xid, seq, exempt_xid, exempt_seq) >= 2**63
        if version != _VERSION or too_big or issued > (now + _CLOCK_SKEW).timestamp():
            raise Invalid({"cursor": [_NOT_ISSUED]})
        return Cursor(
            Position(xid, seq), Position(exempt_xid, exempt_seq), datetime.fromtimestamp(issued, UTC)
        )
