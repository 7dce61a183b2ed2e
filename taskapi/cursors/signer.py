"""Opaque values handed to clients (cursors): a payload and an HMAC bound to its user and purpose."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

MAC_BYTES = 16


def cursor_key(cursor_secret: str | None, jwt_secret: str | None) -> bytes:
    """CURSOR_SECRET, else a key derived from JWT_SECRET. With neither (JWKS only) the MAC is a
    fixed-key checksum, which is still safe: a cursor only selects a position among the caller's
    own tasks, and every query applies the caller's user id and filters whatever the cursor says."""
    if cursor_secret:
        return cursor_secret.encode()
    return hmac.new((jwt_secret or "taskapi").encode(), b"taskapi cursors v1", hashlib.sha256).digest()


class Signer:
    """Signs payloads for one purpose (a key of its own, so one purpose's MAC is never another's)."""

    def __init__(self, key: bytes, purpose: str) -> None:
        self._key = hmac.new(key, purpose.encode(), hashlib.sha256).digest()

    def _mac(self, user_id: str, context: bytes, payload: bytes) -> bytes:
        message = b"\x00".join((user_id.encode(), context, payload))
        return hmac.new(self._key, message, hashlib.sha256).digest()[:MAC_BYTES]

    def sign(self, user_id: str, payload: bytes, context: bytes = b"") -> str:
        """base64url(payload + MAC), the MAC covering the user and `context` too."""
        token = payload + self._mac(user_id, context, payload)
        return base64.urlsafe_b64encode(token).rstrip(b"=").decode()

    def unsign(self, user_id: str, text: str, context: bytes = b"") -> bytes | None:
        """The payload of a value sign() made for this user and context; None for anything else."""
        if not text or len(text) > 4096:
            return None
        try:
            token = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            return None
        payload, mac = token[:-MAC_BYTES], token[-MAC_BYTES:]
        if len(token) <= MAC_BYTES or not hmac.compare_digest(mac, self._mac(user_id, context, payload)):
            return None
        return payload
