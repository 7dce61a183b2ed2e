"""DeliveryQueue: what the delivery workers do with the webhook queue (lease, record, purge)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from uuid_utils.compat import uuid4, uuid7

from taskapi.db import Database

Row = dict[str, Any]


@dataclass(frozen=True)
class Lease:
    """One delivery a worker holds for one attempt (number `attempt`) until it records it, with
    what the attempt sends: `event` has the event's id, type, data and created_at and the
    subscription's url and secret."""

    user_id: str
    subscription_id: UUID
    event_id: UUID
    attempt: int
    token: UUID
    event: Row


# the columns of a claimed row that are the event and its subscription
_EVENT_COLUMNS = ("type", "data", "created_at", "url", "secret")


def _lease(row: Row, token: UUID, prefix: str = "") -> Lease:
    """The lease in `row` (its event's columns named with `prefix`)."""
    event_id, attempts = row[f"{prefix}event_id"], row[f"{prefix}attempts"]
    event = {"id": event_id, **{name: row[prefix + name] for name in _EVENT_COLUMNS}}
    return Lease(row["user_id"], row["subscription_id"], event_id, attempts, token, event)


@dataclass(frozen=True)
class Outcome:
    """What an attempt came to: `state` is delivered, failed, or pending for `retry_in_seconds`."""

    event_type: str
    state: str
    status_code: int | None
    error: str | None
    duration_ms: int
    retry_in_seconds: float | None = None


class DeliveryQueue:
    def __init__(self, db: Database, queries: Mapping[str, bytes]) -> None:
        self._db = db
        self._claim = queries["webhook_queue/claim"]
        self._record = queries["webhook_queue/record"]
        self._disable = queries["webhook_queue/disable"]
        self._purge = queries["webhook_queue/purge"]

    def claim(self, limit: int, lease_seconds: float) -> list[Lease]:
        """Lease up to `limit` due deliveries, each the next one of its subscription (of any user),
        with what each sends."""
        token = uuid4()
        params = {"limit": limit, "lease_seconds": lease_seconds, "lease_token": token}
        with self._db.connection() as conn:
            rows = conn.execute(self._claim, params).fetchall()
        return [_lease(row, token) for row in rows]

    def record(
        self, lease: Lease, outcome: Outcome, window_seconds: float, next_lease_seconds: float | None = None
    ) -> tuple[str | None, Lease | None]:
        """Log the attempt and move the delivery on: its state now (a retry past `window_seconds`
        of retrying is failed), or None when the lease was lost meanwhile; and, given
        `next_lease_seconds`, the subscription's next delivery leased for that long when this one
        is done with and the next is due (else None): the same round trip claims it."""
        params = {
            "claim_next": next_lease_seconds is not None,
            "lease_seconds": next_lease_seconds or 0,
            "window_seconds": window_seconds,
            "id": uuid7(),
            "user_id": lease.user_id,
            "subscription_id": lease.subscription_id,
            "event_id": lease.event_id,
            "lease_token": lease.token,
            "event_type": outcome.event_type,
            "state": outcome.state,
            "status_code": outcome.status_code,
            "error": outcome.error,
            "duration_ms": outcome.duration_ms,
            "retry_in_seconds": outcome.retry_in_seconds,
        }
        with self._db.connection() as conn:
            row = conn.execute(self._record, params).fetchone()
        if row is None:
            return None, None
        if row["next_event_id"] is None:
            return str(row["state"]), None
        return str(row["state"]), _lease(
            {**row, "user_id": lease.user_id, "subscription_id": lease.subscription_id}, lease.token, "next_"
        )

    def disable(self, user_id: str, subscription_id: UUID) -> None:
        with self._db.connection() as conn:
            conn.execute(self._disable, {"user_id": user_id, "subscription_id": subscription_id})

    def purge(self, user_id: str, retention_seconds: float, limit: int) -> Row:
        """Delete up to `limit` old attempts and old finished events of the user."""
        params = {"user_id": user_id, "retention_seconds": retention_seconds, "limit": limit}
        with self._db.connection() as conn:
            row = conn.execute(self._purge, params).fetchone()
        assert row is not None
        return row
