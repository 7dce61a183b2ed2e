"""IdempotencyStore: a POST with an Idempotency-Key runs once; its answer is kept and replayed."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from psycopg.types.json import Jsonb

from taskapi.db import Database
from taskapi.store.errors import IdempotencyKeyInUse, IdempotencyKeyReused

PURGE_BATCH = 20  # expired keys deleted per stored key: bounded work, and it keeps up


@dataclass(frozen=True)
class SavedResponse:
    """An answer as it is stored and replayed: status, the headers that matter, the body."""

    status: int
    headers: dict[str, str]
    body: bytes


class Claim:
    """What a request holding its key gets: the answer to replay, or the duty to `save` its own."""

    def __init__(self, replay: SavedResponse | None) -> None:
        self.replay = replay
        self.response: SavedResponse | None = None

    def save(self, response: SavedResponse) -> None:
        self.response = response


class IdempotencyStore:
    def __init__(self, db: Database, queries: Mapping[str, bytes], ttl: timedelta) -> None:
        self._db = db
        self._ttl_seconds = ttl.total_seconds()
        self._lock = queries["idempotency/lock"]
        self._get = queries["idempotency/get"]
        self._save = queries["idempotency/save"]
        self._purge = queries["idempotency/purge"]

    @contextmanager
    def claim(self, user_id: str, key: str | None, request_hash: bytes) -> Iterator[Claim]:
        """Run the block once per key: the key's lock, the write and the stored answer share one
        transaction, so a crash or an error anywhere leaves neither the write nor the key.

        Raises IdempotencyKeyInUse while another request holds the key, IdempotencyKeyReused when
        the key answered a different request. Only a successful (2xx) answer is stored: a failed
        request changed nothing, so its retry simply runs again.
        """
        if key is None:
            yield Claim(None)
            return
        params = {"user_id": user_id, "key": key}
        with self._db.transaction() as conn:
            locked = conn.execute(self._lock, params).fetchone()
            if not (locked and locked["locked"]):
                raise IdempotencyKeyInUse()
            stored = conn.execute(self._get, params).fetchone()
            if stored is not None:
                if bytes(stored["request_hash"]) != request_hash:
                    raise IdempotencyKeyReused()
                yield Claim(SavedResponse(stored["status"], stored["headers"], bytes(stored["body"])))
                return
            claim = Claim(None)
            yield claim
            response = claim.response
            if response is not None and 200 <= response.status < 300:
                conn.execute(self._purge, {"user_id": user_id, "limit": PURGE_BATCH})
                conn.execute(
                    self._save,
                    {
                        **params,
                        "request_hash": request_hash,
                        "status": response.status,
                        "headers": Jsonb(response.headers),
                        "body": response.body,
                        "ttl_seconds": self._ttl_seconds,
                    },
                )
