"""ScheduleStore: the read side of scheduling (reminders feed, occurrence preview, calendar export)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from taskapi.db import Database
from taskapi.domain import recurrence
from taskapi.store.errors import TaskNotFound

Row = dict[str, Any]

MAX_REMINDERS = 500
# icalendar builds about 2000 VTODOs a second: the cap keeps an export near a second
MAX_CALENDAR_TASKS = 2_000


class ScheduleStore:
    def __init__(self, db: Database, queries: Mapping[str, bytes]) -> None:
        self._db = db
        self._get = queries["tasks/get"]
        self._reminders = queries["tasks/reminders"]
        self._all_for_calendar = queries["tasks/all_for_calendar"]

    def reminders(self, user_id: str, until: datetime) -> list[Row]:
        """Open tasks whose reminder is due by `until`, oldest reminder first (at most MAX_REMINDERS)."""
        params = {"user_id": user_id, "until": until, "limit": MAX_REMINDERS}
        with self._db.connection() as conn:
            return conn.execute(self._reminders, params).fetchall()

    def occurrences(self, user_id: str, task_id: UUID, count: int) -> list[datetime]:
        """Up to `count` due dates of the task's series from its own, creating nothing."""
        with self._db.connection() as conn:
            task = conn.execute(self._get, {"user_id": user_id, "id": task_id}).fetchone()
        if task is None:
            raise TaskNotFound()
        return recurrence.preview(task, count)

    def calendar(self, user_id: str, list_id: UUID | None = None) -> list[Row]:
        """The user's tasks (of one list, when given) for the iCalendar export: open ones first,
        then the latest completed; at most MAX_CALENDAR_TASKS."""
        params = {"user_id": user_id, "list_id": list_id, "limit": MAX_CALENDAR_TASKS}
        with self._db.connection() as conn:
            return conn.execute(self._all_for_calendar, params).fetchall()
