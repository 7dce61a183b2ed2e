"""The data layer: the only code that runs SQL. Every public method takes `user_id` first."""

from taskapi.store.errors import InvalidTask, StoreError, TaskNotFound, VersionMismatch
from taskapi.store.listing import After, ListFilter, Sort
from taskapi.store.tasks import ListPage, TaskChange, TaskStore

__all__ = [
    "After",
    "InvalidTask",
    "ListFilter",
    "ListPage",
    "Sort",
    "StoreError",
    "TaskChange",
    "TaskNotFound",
    "TaskStore",
    "VersionMismatch",
]
