"""The event types a subscription can ask for (`*`: all of them)."""

from __future__ import annotations

EVENT_TYPES = (
    "task.created",
    "task.updated",
    "task.completed",
    "task.deleted",
    "list.created",
    "list.updated",
    "list.deleted",
)
ALL_EVENTS = "*"
