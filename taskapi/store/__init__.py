"""The data layer: the only code that runs SQL. Every public method takes `user_id` first."""

from taskapi.store.errors import (
    DeliveryNotFound,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    InboxNotDeletable,
    LimitReached,
    ListLimitReached,
    ListNameTaken,
    ListNotFound,
    StoreError,
    SubscriptionNotFound,
    SyncCursorExpired,
    TaskLimitReached,
    TaskNotFound,
    VersionMismatch,
)
from taskapi.store.idempotency import Claim, IdempotencyStore, SavedResponse
from taskapi.store.listing import After, ListFilter, Sort
from taskapi.store.lists import ListStore
from taskapi.store.placement import MoveAfter
from taskapi.store.schedule import ScheduleStore
from taskapi.store.sync import ChangeBatch, Position, SyncStore
from taskapi.store.tasks import ListPage, TaskChange, TaskStore
from taskapi.store.webhooks import WebhookStore

__all__ = [
    "After",
    "ChangeBatch",
    "Claim",
    "DeliveryNotFound",
    "IdempotencyKeyInUse",
    "IdempotencyKeyReused",
    "IdempotencyStore",
    "InboxNotDeletable",
    "LimitReached",
    "ListFilter",
    "ListLimitReached",
    "ListNameTaken",
    "ListNotFound",
    "ListPage",
    "ListStore",
    "MoveAfter",
    "Position",
    "SavedResponse",
    "ScheduleStore",
    "Sort",
    "StoreError",
    "SubscriptionNotFound",
    "SyncCursorExpired",
    "SyncStore",
    "TaskChange",
    "TaskLimitReached",
    "TaskNotFound",
    "TaskStore",
    "VersionMismatch",
    "WebhookStore",
]
