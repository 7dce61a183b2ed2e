"""Sync cursors: a feed position, a purge exemption and the time issued, bound to a user, signed."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from taskapi.store import Position

_VERSION = 1
# version, position (xid, seq), exempt position (xid, seq), issued at (unix seconds)
_LAYOUT = struct.Struct(">BQQQQQ")
_MAC_BYTES = 16
_TEXT = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Cursor:
    position: Position  # the last change handed out
    exempt: Position  # purged tombstones up to here cannot concern this client (see SyncStore)
    issued_at: datetime


class CursorInvalid(ValueError):
    """Not a cursor this service issued to this user; str(e) says why, for the client."""


def signing_key(cursor_secret: str | None, jwt_secret: str | None) -> bytes:
    """SYNC_CURSOR_SECRET, else a key derived from JWT_SECRET. With neither (JWKS only) the MAC is
    a fixed-key checksum: the feed stays safe, since a cursor only selects among the caller's own
    changes and a position before a purged tombstone is refused whatever the cursor says."""
    if cursor_secret:
        return cursor_secret.encode()
    base = (jwt_secret or "taskapi").encode()
    return hmac.new(base, b"taskapi sync cursor v1", hashlib.sha256).digest()


class CursorCodec:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, user_id: str, payload: bytes) -> bytes:
        message = user_id.encode() + b"\x00" + payload
        return hmac.new(self._key, message, hashlib.sha256).digest()[:_MAC_BYTES]

    def encode(self, user_id: str, cursor: Cursor) -> str:
        position, exempt = cursor.position, cursor.exempt
        issued = int(cursor.issued_at.timestamp())
        payload = _LAYOUT.pack(_VERSION, position.xid, position.seq, exempt.xid, exempt.seq, issued)
        return base64.urlsafe_b64encode(payload + self._mac(user_id, payload)).rstrip(b"=").decode()

    def decode(self, user_id: str, text: str, now: datetime) -> Cursor:
        if not _TEXT.match(text):
            raise CursorInvalid("Not a cursor issued by this API; use the cursor of the last sync.")
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            raise CursorInvalid("Not a cursor issued by this API; use the cursor of the last sync.") from None
        if len(raw) != _LAYOUT.size + _MAC_BYTES:
            raise CursorInvalid("Not a cursor issued by this API; use the cursor of the last sync.")
        payload, mac = raw[: _LAYOUT.size], raw[_LAYOUT.size :]
        if not hmac.compare_digest(mac, self._mac(user_id, payload)):
            raise CursorInvalid("Not a cursor issued by this API to this user.")
        version, xid, seq, exempt_xid, exempt_seq, issued = _LAYOUT.unpack(payload)
        too_big = max(xid, seq, exempt_xid, exempt_seq) >= 2**63
        if version != _VERSION or too_big or issued > (now + _CLOCK_SKEW).timestamp():
            raise CursorInvalid("Not a cursor issued by this API; use the cursor of the last sync.")
        return Cursor(
            Position(xid, seq), Position(exempt_xid, exempt_seq), datetime.fromtimestamp(issued, UTC)
        )
