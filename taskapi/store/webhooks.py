"""WebhookStore: a user's webhook subscriptions and their delivery log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from taskapi.db import Database
from taskapi.store.errors import DeliveryNotFound, SubscriptionNotFound

Row = dict[str, Any]
Rows = list[Row]


class WebhookStore:
    def __init__(self, db: Database, queries: Mapping[str, bytes]) -> None:
        self._db = db
        self._create = queries["webhooks/create"]
        self._list = queries["webhooks/list"]
        self._get = queries["webhooks/get"]
        self._update = queries["webhooks/update"]
        self._delete = queries["webhooks/delete"]
        self._deliveries = queries["webhooks/deliveries"]
        self._retry = queries["webhooks/retry"]

    def create(self, user_id: str, subscription_id: UUID, fields: Mapping[str, Any], secret: str) -> Row:
        params = {**fields, "user_id": user_id, "id": subscription_id, "secret": secret}
        with self._db.connection() as conn:
            row = conn.execute(self._create, params).fetchone()
        assert row is not None
        return row

    def list(self, user_id: str) -> list[Row]:
        with self._db.connection() as conn:
            return conn.execute(self._list, {"user_id": user_id}).fetchall()

    def get(self, user_id: str, subscription_id: UUID) -> Row:
        with self._db.connection() as conn:
            row = conn.execute(self._get, {"user_id": user_id, "id": subscription_id}).fetchone()
        if row is None:
            raise SubscriptionNotFound()
        return row

    def update(self, user_id: str, subscription_id: UUID, fields: Mapping[str, Any]) -> Row:
        """`fields` merged into the subscription (the caller checks the merge first)."""
        with self._db.connection() as conn, conn.transaction():
            current = conn.execute(self._get, {"user_id": user_id, "id": subscription_id}).fetchone()
            if current is None:
                raise SubscriptionNotFound()
            row = conn.execute(self._update, {**current, **fields, "user_id": user_id}).fetchone()
        assert row is not None
        return row

    def delete(self, user_id: str, subscription_id: UUID) -> None:
        with self._db.connection() as conn:
            if conn.execute(self._delete, {"user_id": user_id, "id": subscription_id}).fetchone() is None:
                raise SubscriptionNotFound()

    def deliveries(self, user_id: str, subscription_id: UUID, limit: int) -> Rows:
        """The newest `limit` attempts, newest first."""
        self.get(user_id, subscription_id)  # 404 for a subscription that is not the user's
        params = {"user_id": user_id, "subscription_id": subscription_id, "limit": limit}
        with self._db.connection() as conn:
            return conn.execute(self._deliveries, params).fetchall()

    def retry(self, user_id: str, subscription_id: UUID, delivery_id: UUID) -> UUID:
        """Queue the event of one attempt again, due now; returns the event's id."""
        params = {"user_id": user_id, "subscription_id": subscription_id, "delivery_id": delivery_id}
        with self._db.connection() as conn:
            row = conn.execute(self._retry, params).fetchone()
        if row is None:
            raise DeliveryNotFound()
        event_id: UUID = row["event_id"]
        return event_id
