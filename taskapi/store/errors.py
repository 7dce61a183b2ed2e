"""Domain errors raised by the store; the HTTP layer maps each to one status code."""

from __future__ import annotations

from typing import Any

from taskapi.domain.errors import Invalid


class StoreError(Exception):
    """Base of every error the store raises on purpose."""


class TaskNotFound(StoreError):
    """No such task for this user (absent, or another user's: the same answer)."""


class VersionMismatch(StoreError):
    """If-Match named a version the task no longer has; `current` is the task as it is."""

    def __init__(self, current: dict[str, Any]) -> None:
        super().__init__("version mismatch")
        self.current = current


# CHECK constraints of migrations/0001, as the client should read them
CONSTRAINT_ERRORS: dict[str, tuple[str, str]] = {
    "tasks_title_check": ("title", "Must be 1 to 200 characters and not blank."),
    "tasks_description_check": ("description", "Must be at most 2000 characters."),
    "tasks_priority_check": ("priority", "Must be one of: high, medium, low."),
    "tasks_tags_check": ("tags", "At most 20 tags."),
    "tasks_reminder_check": ("reminder_at", "Must not be after due_date."),
    "tasks_recurrence_rule_check": ("recurrence_rule", "A recurring task needs a due_date."),
    "tasks_recurrence_anchor_check": ("recurrence_anchor", "Must be one of: due, completion."),
    "tasks_timezone_check": ("timezone", "Must be an IANA time zone name."),
}


def invalid_from_constraint(constraint: str | None) -> Invalid | None:
    field = CONSTRAINT_ERRORS.get(constraint or "")
    return Invalid({field[0]: [field[1]]}) if field else None


class TaskLimitReached(StoreError):
    """The user already keeps the most tasks one user may (`limit`)."""

    def __init__(self, limit: int) -> None:
        super().__init__("task limit reached")
        self.limit = limit


class IdempotencyKeyInUse(StoreError):
    """Another request with this Idempotency-Key is still being processed."""


class IdempotencyKeyReused(StoreError):
    """This Idempotency-Key already answered a different request."""


class SyncCursorExpired(StoreError):
    """The sync cursor is older than the tombstones kept: changes since then may be lost."""
