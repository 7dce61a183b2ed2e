"""Scheduling reads: a task's coming occurrences, the reminders feed and the iCalendar export."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import falcon

from taskapi.domain import ical
from taskapi.http.media import send_json
from taskapi.openapi.facts import TASK_EXAMPLE, json_response, operation, problems
from taskapi.schemas import (
    CALENDAR_QUERY,
    OCCURRENCES_QUERY,
    REMINDERS_QUERY,
    CalendarQuery,
    OccurrencesQuery,
    RemindersQuery,
    load,
    task_json,
)
from taskapi.store import ScheduleStore
from taskapi.store.schedule import MAX_CALENDAR_TASKS

PRIVATE = ["private", "no-cache"]
TEXT_CALENDAR = "text/calendar; charset=utf-8"


class Occurrences:
    openapi = {
        "on_get": operation(
            "Preview a task's coming due dates",
            description="Up to `count` due dates of the series, the task's own first; creates nothing. "
            "A task without a rule gives its own due date alone (or nothing). Fewer come back when "
            "the series ends, or when finding more would exceed the recurrence step budget.",
            parameters=({"in": "query", "schema": OccurrencesQuery},),
            responses={
                200: json_response(
                    "The due dates.",
                    "OccurrenceList",
                    example={"items": ["2026-11-23T09:00:00+00:00", "2026-11-25T09:00:00+00:00"]},
                ),
                **problems(400, 404),
            },
        )
    }

    def __init__(self, store: ScheduleStore) -> None:
        self.store = store

    def on_get(self, req: falcon.Request, resp: falcon.Response, task_id: UUID) -> None:
        query = load(OCCURRENCES_QUERY, req.params)
        dates = self.store.occurrences(req.context.user_id, task_id, query["count"])
        resp.cache_control = PRIVATE
        send_json(resp, {"items": dates})


class Reminders:
    openapi = {
        "on_get": operation(
            "Open tasks whose reminder is due",
            parameters=({"in": "query", "schema": RemindersQuery},),
            responses={
                200: json_response(
                    "Tasks with reminder_at <= until.", "TaskList", example={"items": [TASK_EXAMPLE]}
                ),
                **problems(400),
            },
        )
    }

    def __init__(self, store: ScheduleStore) -> None:
        self.store = store

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        query = load(REMINDERS_QUERY, req.params)
        rows = self.store.reminders(req.context.user_id, query["until"])
        resp.cache_control = PRIVATE
        send_json(resp, {"items": [task_json(row) for row in rows]})


class CalendarExport:
    openapi = {
        "on_get": operation(
            "Your tasks as an iCalendar file",
            description="RFC 5545 VTODOs (DUE, RRULE, PRIORITY, STATUS, CATEGORIES, VALARM, and "
            "RELATED-TO;RELTYPE=PARENT for a subtask); `list_id` exports one list. At most "
            f"{MAX_CALENDAR_TASKS} tasks: every open one first, then the most recently completed.",
            parameters=({"in": "query", "schema": CalendarQuery},),
            responses={
                200: {
                    "description": "An iCalendar file.",
                    "content": {"text/calendar": {"schema": {"type": "string"}}},
                },
                **problems(400),
            },
        )
    }

    def __init__(self, store: ScheduleStore) -> None:
        self.store = store

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        query = load(CALENDAR_QUERY, req.params)
        rows = self.store.calendar(req.context.user_id, query.get("list_id"))
        resp.cache_control = PRIVATE
        resp.content_type = TEXT_CALENDAR
        resp.data = ical.to_ical(rows, datetime.now(UTC))
