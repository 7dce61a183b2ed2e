"""Scheduling reads: a task's coming occurrences, the reminders feed and the iCalendar export."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import falcon

from taskapi import ical
from taskapi.media import send_json
from taskapi.schemas import OccurrencesQuery, RemindersQuery, task_json
from taskapi.store import ScheduleStore

PRIVATE = ["private", "no-cache"]
TEXT_CALENDAR = "text/calendar; charset=utf-8"


class Occurrences:
    def __init__(self, store: ScheduleStore) -> None:
        self.store = store

    def on_get(self, req: falcon.Request, resp: falcon.Response, task_id: UUID) -> None:
        query = OccurrencesQuery().load(req.params)
        dates = self.store.occurrences(req.context.user_id, task_id, query["count"])
        resp.cache_control = PRIVATE
        send_json(resp, {"items": dates})


class Reminders:
    def __init__(self, store: ScheduleStore) -> None:
        self.store = store

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        query = RemindersQuery().load(req.params)
        rows = self.store.reminders(req.context.user_id, query["until"])
        resp.cache_control = PRIVATE
        send_json(resp, {"items": [task_json(row) for row in rows]})


class CalendarExport:
    def __init__(self, store: ScheduleStore) -> None:
        self.store = store

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        rows = self.store.calendar(req.context.user_id)
        resp.cache_control = PRIVATE
        resp.content_type = TEXT_CALENDAR
        resp.data = ical.to_ical(rows, datetime.now(UTC))
