"""The data layer: the only code that runs SQL. Every public method takes `user_id` first."""

from taskapi.store.errors import (
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    InvalidTask,
    StoreError,
    SyncCursorExpired,
    TaskNotFound,
    VersionMismatch,
)
from taskapi.store.idempotency import Claim, IdempotencyStore, SavedResponse
from taskapi.store.schedule import ScheduleStore
from taskapi.store.sync import ChangeBatch, Position, SyncStore
from taskapi.store.tasks import TaskChange, TaskStore

__all__ = [
    "ChangeBatch",
    "Claim",
    "IdempotencyKeyInUse",
    "IdempotencyKeyReused",
    "IdempotencyStore",
    "InvalidTask",
    "Position",
    "SavedResponse",
    "ScheduleStore",
    "StoreError",
    "SyncCursorExpired",
    "SyncStore",
    "TaskChange",
    "TaskNotFound",
    "TaskStore",
    "VersionMismatch",
]
