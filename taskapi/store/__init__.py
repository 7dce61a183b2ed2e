"""The data layer: the only code that runs SQL. Every public method takes `user_id` first."""

from taskapi.store.errors import InvalidTask, StoreError, TaskNotFound, VersionMismatch
from taskapi.store.schedule import ScheduleStore
from taskapi.store.tasks import TaskChange, TaskStore

__all__ = [
    "InvalidTask",
    "ScheduleStore",
    "StoreError",
    "TaskChange",
    "TaskNotFound",
    "TaskStore",
    "VersionMismatch",
]
