"""A task's rules: the one message of each, and the check of a whole task about to be stored.

The schemas check each field's shape with these messages; `check_task` checks what only the whole
task can say (after a PATCH's merge as after a create or a PUT); the database's CHECK constraints
are the last word and are mapped back to the same messages (taskapi/store/errors.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from taskapi.domain import recurrence
from taskapi.domain.errors import Invalid

PRIORITIES = ("high", "medium", "low")
ANCHORS = ("due", "completion")
MAX_TITLE, MAX_DESCRIPTION, MAX_TAGS, MAX_TAG, MAX_LIST_NAME = 200, 2000, 20, 50, 100

MESSAGES = {
    "title": f"Must be 1 to {MAX_TITLE} characters and not blank.",
    "description": f"Must be at most {MAX_DESCRIPTION} characters.",
    "priority": f"Must be one of: {', '.join(PRIORITIES)}.",
    "tags": f"At most {MAX_TAGS} tags.",
    "tag": f"Each tag must be 1 to {MAX_TAG} characters.",
    "reminder_at": "Must not be after due_date.",
    "recurrence_rule": "A recurring task needs a due_date.",
    "recurrence_anchor": f"Must be one of: {', '.join(ANCHORS)}.",
    "timezone": "Must be an IANA time zone name such as Europe/Berlin or UTC.",
    "name": f"Must be 1 to {MAX_LIST_NAME} characters and not blank.",
    "color": "Must be a color as #rrggbb, e.g. #3a7bd5, or null.",
}


def check_task(task: Mapping[str, Any], series_start: datetime | None = None) -> None:
    """Invalid naming every rule the task as a whole breaks. `series_start` is where its series
    starts (default: its own due date); the rule must yield a next date from there within the
    recurrence budget, so a later completion can roll it over."""
    errors: dict[str, list[str]] = {}
    due, reminder, rule = task["due_date"], task["reminder_at"], task["recurrence_rule"]
    if reminder is not None and due is not None and reminder > due:
        errors["reminder_at"] = [MESSAGES["reminder_at"]]
    if rule is not None and due is None:
        errors["recurrence_rule"] = [MESSAGES["recurrence_rule"]]
    elif rule is not None:
        try:
            recurrence.check_series(rule, due, task["timezone"], series_start)
        except recurrence.RuleError as exc:
            errors["recurrence_rule"] = [rule_message(exc)]
    if errors:
        raise Invalid(errors)


def rule_message(exc: recurrence.RuleError) -> str:
    """A refused RRULE as one sentence, whichever check refused it."""
    text = str(exc)
    return f"Not a usable RRULE: {text}" + ("" if text.endswith(".") else ".")
