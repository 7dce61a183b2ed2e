"""Domain errors raised by the store; the HTTP layer maps each to one status code."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from taskapi.domain.errors import Invalid
from taskapi.domain.rules import MESSAGES


class StoreError(Exception):
    """Base of every error the store raises on purpose."""


class TaskNotFound(StoreError):
    """No such task for this user (absent, or another user's: the same answer)."""


class ListNotFound(StoreError):
    """No such list for this user (absent, or another user's: the same answer)."""


class VersionMismatch(StoreError):
    """If-Match named a version the task (or list: `kind`) no longer has; `current` is it as it is."""

    def __init__(self, current: dict[str, Any], kind: str = "task") -> None:
        super().__init__("version mismatch")
        self.current = current
        self.kind = kind


class ListNameTaken(StoreError):
    """The user has a list of this name already (in any case)."""


class InboxNotDeletable(StoreError):
    """The Inbox can be renamed and moved, never deleted."""


class LimitReached(StoreError):
    """The user already keeps the most `kind` (tasks, lists) one user may (`limit`)."""

    kind = "items"

    def __init__(self, limit: int) -> None:
        super().__init__(f"{self.kind} limit reached")
        self.limit = limit


class ListLimitReached(LimitReached):
    kind = "lists"


# CHECK constraints of migrations/0001, read as the rules they stand for
CONSTRAINT_FIELDS = {
    "tasks_title_check": "title",
    "tasks_description_check": "description",
    "tasks_priority_check": "priority",
    "tasks_tags_check": "tags",
    "tasks_reminder_check": "reminder_at",
    "tasks_recurrence_rule_check": "recurrence_rule",
    "tasks_recurrence_anchor_check": "recurrence_anchor",
    "tasks_timezone_check": "timezone",
    "lists_name_check": "name",
    "lists_color_check": "color",
}


@contextmanager
def constraints_as_invalid() -> Iterator[None]:
    """A CHECK constraint the input broke becomes Invalid naming the field, with the rule's message."""
    try:
        yield
    except psycopg.errors.CheckViolation as exc:
        field = CONSTRAINT_FIELDS.get(exc.diag.constraint_name or "")
        if field is None:
            raise
        raise Invalid({field: [MESSAGES[field]]}) from None


class TaskLimitReached(LimitReached):
    kind = "tasks"


class IdempotencyKeyInUse(StoreError):
    """Another request with this Idempotency-Key is still being processed."""


class IdempotencyKeyReused(StoreError):
    """This Idempotency-Key already answered a different request."""


class SyncCursorExpired(StoreError):
    """The sync cursor is older than the tombstones kept: changes since then may be lost."""


class SubscriptionNotFound(StoreError):
    """No such webhook subscription for this user (absent, or another user's)."""


class DeliveryNotFound(StoreError):
    """No such delivery attempt of this subscription for this user."""
