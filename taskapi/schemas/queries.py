"""The query parameters of the listing, the sync feed, the calendar export, occurrences and reminders."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validates,
    validates_schema,
)
from marshmallow.validate import Length, OneOf, Range

from taskapi.domain import rules, search, syntax
from taskapi.domain.rules import MESSAGES, PRIORITIES
from taskapi.schemas.fields import (
    Choice,
    CommaSeparated,
    Id,
    ParentFilter,
    QueryBoolean,
    QueryInteger,
    QueryTimestamp,
    Text,
    doc,
)
from taskapi.store.listing import SORT_KEY_TYPES

# the longest listing cursor the API issues: a title of 200 characters that each take 6 bytes of
# JSON (control characters as \u001f), plus the id and MAC, in base64 (about 1,700 characters)
MAX_CURSOR_LENGTH = 2048
SORT_FIELDS = tuple(SORT_KEY_TYPES)  # the store's list of sorts is the one list
# the direction a person expects first: newest, most recently changed and most urgent first
DESCENDING_BY_DEFAULT = ("created_at", "updated_at", "priority", "relevance")


class ListQuery(Schema):
    """Query parameters of GET /api/v1/tasks; loads with every default applied."""

    class Meta:
        unknown = RAISE

    q = Text(trim=True, validate=Length(max=500, error="Must be at most 500 characters."))
    completed = QueryBoolean()
    priority = CommaSeparated(Choice(PRIORITIES), max_items=10, error="Give 1 to 10 priorities.")
    tags = CommaSeparated(
        Text(trim=True, validate=Length(1, rules.MAX_TAG, error=MESSAGES["tag"])),
        max_items=rules.MAX_TAGS,
        error="Give 1 to 20 tags.",
    )
    due_date_from = QueryTimestamp()
    due_date_to = QueryTimestamp()
    list_id = Id()
    parent_id = ParentFilter(metadata=doc("A task's id: its direct subtasks; `none`: top-level tasks."))
    sort_by = fields.String(validate=OneOf(SORT_FIELDS, error=f"Must be one of: {', '.join(SORT_FIELDS)}."))
    sort_order = fields.String(validate=OneOf(("asc", "desc"), error="Must be asc or desc."))
    limit = QueryInteger(load_default=50, validate=Range(1, 100, error="Must be between 1 and 100."))
    offset = QueryInteger(load_default=0, validate=Range(0, 2**31 - 1, error="Must be 0 or more."))
    cursor = fields.String(
        validate=Length(1, MAX_CURSOR_LENGTH, error="Not a cursor of this API."),
        metadata={"pattern": syntax.LISTING_CURSOR, "description": "A `next_cursor` as given."},
    )

    @validates("q")
    def check_search(self, value: str, **kwargs: Any) -> None:
        # a query string that is not UTF-8 (a lone surrogate, say) arrives decoded with U+FFFD
        if any(ch == "\ufffd" or "\ud800" <= ch <= "\udfff" for ch in value):
            raise ValidationError("Must be UTF-8 text: no lone surrogates or undecodable bytes.")
        if len(search.parse(value).terms) > search.MAX_TERMS:
            raise ValidationError(f"Give at most {search.MAX_TERMS} words or phrases to search for.")

    @validates_schema
    def check_combinations(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        if data.get("sort_by") == "relevance" and not data.get("q"):
            errors["sort_by"] = ["relevance needs a search: give q as well."]
        start, end = data.get("due_date_from"), data.get("due_date_to")
        if start is not None and end is not None and start > end:
            errors["due_date_to"] = ["Must not be before due_date_from."]
        if errors:
            raise ValidationError(errors)

    @post_load
    def apply_defaults(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if not data.get("q"):
            data["q"] = None  # a blank search box searches nothing
        data.setdefault("sort_by", "relevance" if data["q"] else "created_at")
        data.setdefault("sort_order", "desc" if data["sort_by"] in DESCENDING_BY_DEFAULT else "asc")
        data["priority"] = sorted(set(data.get("priority", ())))
        data["tags"] = data.get("tags", [])
        return data


class SyncQuery(Schema):
    """Query parameters of GET /api/v1/sync (the cursor itself is checked by taskapi.cursors.sync)."""

    class Meta:
        unknown = RAISE

    cursor = fields.String(
        metadata={"pattern": syntax.SYNC_CURSOR, "description": "The `cursor` of the last sync."}
    )
    limit = QueryInteger(load_default=500, validate=Range(1, 500, error="Must be between 1 and 500."))


class CalendarQuery(Schema):
    """Query parameters of GET /api/v1/tasks.ics."""

    class Meta:
        unknown = RAISE

    list_id = Id(metadata=doc("Export this list only (another user's or an absent one: empty)."))


class OccurrencesQuery(Schema):
    """Query parameters of GET /api/v1/tasks/{id}/occurrences."""

    class Meta:
        unknown = RAISE

    count = QueryInteger(load_default=5, validate=Range(1, 50, error="Must be between 1 and 50."))


class RemindersQuery(Schema):
    """Query parameters of GET /api/v1/reminders; `until` defaults to now."""

    class Meta:
        unknown = RAISE

    until = QueryTimestamp(load_default=lambda: datetime.now(UTC))
