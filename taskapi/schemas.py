"""marshmallow schemas: the one place request shapes are checked, and the fields that go out."""

from __future__ import annotations

import re
import traceback
from datetime import UTC, datetime
from typing import Any

from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validates,
    validates_schema,
)
from marshmallow.validate import Length, OneOf, Range, Regexp

from taskapi.domain import recurrence, rules, search, syntax
from taskapi.domain.errors import Invalid
from taskapi.domain.rules import ANCHORS, MESSAGES, PRIORITIES
from taskapi.domain.zones import is_zone_name, zone_names
from taskapi.store.listing import SORT_KEY_TYPES

READ_ONLY = ("id", "user_id", "completed_at", "is_recurring", "version", "created_at", "updated_at")
INT32 = Range(-(2**31), 2**31 - 1)
_ASCII_INTEGER = re.compile(r"^-?[0-9]{1,12}\Z")
# the shape of an RFC 3339 date-time, to tell a bad year from a bad form (syntax.TIMESTAMP is the rule)
_RFC3339_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9:.]+(?:[Zz]|[+-][0-9:]+)")


class Text(fields.String):
    """A string, trimmed when `trim` is set; NUL characters (which PostgreSQL cannot store) refused."""

    def __init__(self, *, trim: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.trim = trim

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError("Must not contain NUL characters.")
        return text.strip() if self.trim else text


class Choice(fields.String):
    """One of a few words, whatever the case; stored lower-case."""

    def __init__(self, choices: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(validate=OneOf(choices, error=f"Must be one of: {', '.join(choices)}."), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).lower()


class StrictBoolean(fields.Boolean):
    """JSON true or false only (no "yes", 1 or "true")."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError("Must be true or false.")
        return value


class Timestamp(fields.AwareDateTime):
    """An RFC 3339 timestamp with an offset (syntax.TIMESTAMP); one without is refused, never guessed."""

    default_error_messages = {
        "invalid": "Must be an RFC 3339 timestamp with an offset, e.g. 2026-11-22T09:00:00+00:00.",
        "invalid_awareness": "Must carry a time zone offset, e.g. 2026-11-22T09:00:00+00:00 or ...Z.",
    }
    # what the OpenAPI document shows (a subclass may accept more before it reads the value)
    document_pattern = syntax.TIMESTAMP
    description = (
        "RFC 3339 with an offset (Z or ±HH:MM), a year from 1900 to 9999 (9999-12-31 excluded, so "
        "that every offset stays within the year 9999 in UTC)."
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if not isinstance(value, str) or not syntax.matches(syntax.TIMESTAMP, value):
            shaped = isinstance(value, str) and _RFC3339_SHAPE.fullmatch(value)
            if shaped and not syntax.matches(syntax.YEAR, value[:10]):
                raise ValidationError("Must be between the years 1900 and 9999 (9999-12-31 excluded).")
            raise self.make_error("invalid")
        return super()._deserialize(value.upper(), attr, data, **kwargs)


class TimeZoneName(fields.String):
    """A name from the IANA tz database (exactly as it spells it), listed in the OpenAPI document."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(metadata={"enum": list(zone_names())}, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        name = super()._deserialize(value, attr, data, **kwargs)
        if not is_zone_name(name):
            raise ValidationError(MESSAGES["timezone"])
        return name


class BoundedList(fields.List):
    """A list whose length is checked before its items: a body of a million items gets one
    message, not a million (and no million field calls)."""

    def __init__(
        self, inner: fields.Field, *, max_items: int, error: str, min_one: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(inner, validate=Length(1 if min_one else 0, max_items, error=error), **kwargs)
        self.max_items, self.too_many = max_items, error

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        if isinstance(value, list) and len(value) > self.max_items:
            raise ValidationError(self.too_many)
        return super()._deserialize(value, attr, data, **kwargs)


class QueryInteger(fields.Integer):
    """An integer query parameter in ASCII digits (int() also takes Arabic-Indic digits or " 5_0 ")."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if not (isinstance(value, str) and _ASCII_INTEGER.match(value)):
            raise ValidationError("Must be a whole number written with the digits 0-9.")
        return super()._deserialize(value, attr, data, **kwargs)


class RecurrenceRule(fields.String):
    """An RFC 5545 RRULE; the document shows its syntax (syntax.RECURRENCE_RULE)."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {
            "pattern": syntax.RECURRENCE_RULE,
            "maxLength": syntax.MAX_RULE_LENGTH,
            "description": "An RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO, in any case: FREQ first "
            "(at most HOURLY), each part at most once, not both UNTIL and COUNT, UNTIL a real date, "
            f"at most {syntax.MAX_RULE_LENGTH} characters; it must produce a date from due_date on.",
        }
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        try:
            return recurrence.normalize_rule(super()._deserialize(value, attr, data, **kwargs))
        except recurrence.RuleError as exc:
            raise ValidationError(rules.rule_message(exc)) from None


COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
UUID_TEXT = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_UUID_TEXT = re.compile(UUID_TEXT)
_UUID_MESSAGE = "Must be an id as the API gives it, e.g. 019a5f3c-7d2e-7b4a-9c1e-2f3a4b5c6d7e."


class Id(fields.UUID):
    """A task's or list's id, written as the API writes ids (hex, hyphenated; any case): the
    document's pattern is exactly what is accepted."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"pattern": f"^{UUID_TEXT}$", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not (isinstance(value, str) and _UUID_TEXT.fullmatch(value)):
            raise ValidationError(_UUID_MESSAGE)
        return super()._deserialize(value, attr, data, **kwargs)


class Color(fields.String):
    """`#rrggbb` (any case), stored lower-case."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(metadata={"pattern": COLOR.pattern, "description": "`#rrggbb`, or null."}, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not COLOR.fullmatch(text):  # fullmatch: no trailing newline either
            raise ValidationError(MESSAGES["color"])
        return text.lower()


class TaskInput(Schema):
    """The writable fields of a task (POST and PUT: all, with defaults; PATCH: those sent)."""

    class Meta:
        unknown = RAISE

    title = Text(trim=True, required=True, validate=Length(1, rules.MAX_TITLE, error=MESSAGES["title"]))
    description = Text(
        allow_none=True,
        load_default=None,
        validate=Length(max=rules.MAX_DESCRIPTION, error=MESSAGES["description"]),
    )
    completed = StrictBoolean(load_default=False)
    priority = Choice(PRIORITIES, load_default="medium")
    tags = BoundedList(
        Text(trim=True, validate=Length(1, rules.MAX_TAG, error=MESSAGES["tag"])),
        max_items=rules.MAX_TAGS,
        error=MESSAGES["tags"],
        load_default=list,
    )
    due_date = Timestamp(allow_none=True, load_default=None)
    reminder_at = Timestamp(allow_none=True, load_default=None)
    timezone = TimeZoneName(load_default="UTC")
    recurrence_rule = RecurrenceRule(allow_none=True, load_default=None)
    recurrence_anchor = Choice(ANCHORS, load_default="due")
    # omitted: server-placed (the Inbox, or the parent's list; after the last sibling)
    list_id = Id(load_default=None)
    parent_id = Id(allow_none=True, load_default=None)
    position = fields.Integer(strict=True, load_default=None, validate=INT32)

    @pre_load
    def drop_read_only(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in READ_ONLY}
        return data

    @post_load
    def dedupe_tags(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if "tags" in data:
            seen: set[str] = set()
            unique = []
            for tag in data["tags"]:
                if tag.casefold() not in seen:
                    seen.add(tag.casefold())
                    unique.append(tag)
            data["tags"] = unique
        return data


def _doc(description: str) -> dict[str, str]:
    return {"description": description}


class TaskSchema(Schema):
    """A task as the API returns it (the descriptions are the OpenAPI document's)."""

    id = fields.UUID(dump_only=True, metadata=_doc("Server-assigned, time-ordered (UUIDv7)."))
    user_id = fields.String(dump_only=True, metadata=_doc("The owner: the token's `sub`."))
    title = fields.String(metadata=_doc("1 to 200 characters, trimmed."))
    description = fields.String(allow_none=True, metadata=_doc("Up to 2000 characters."))
    completed = fields.Boolean()
    completed_at = fields.AwareDateTime(
        allow_none=True, dump_only=True, metadata=_doc("Set when `completed` became true.")
    )
    priority = fields.String(validate=OneOf(PRIORITIES), metadata=_doc("Sorts by rank: high > medium > low."))
    tags = fields.List(fields.String(), metadata=_doc("Up to 20; duplicates (any case) dropped."))
    due_date = fields.AwareDateTime(allow_none=True)
    reminder_at = fields.AwareDateTime(allow_none=True, metadata=_doc("Not after `due_date`."))
    timezone = fields.String(metadata=_doc("IANA zone in which the recurrence is expanded."))
    recurrence_rule = fields.String(
        allow_none=True, metadata=_doc("RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO.")
    )
    recurrence_anchor = fields.String(
        validate=OneOf(ANCHORS), metadata=_doc("`completion`: the next one is scheduled from the completion.")
    )
    is_recurring = fields.Boolean(dump_only=True, metadata=_doc("True when `recurrence_rule` is set."))
    list_id = fields.UUID(metadata=_doc("The list the task is in (default: the Inbox)."))
    parent_id = fields.UUID(
        allow_none=True, metadata=_doc("The task this one is a subtask of (same list; 4 levels at most).")
    )
    position = fields.Integer(
        metadata=_doc("Order among its siblings (same list and parent), ascending, ties by id.")
    )
    version = fields.Integer(dump_only=True, metadata=_doc('+1 on every change; the ETag is `"<version>"`.'))
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


TASK_FIELDS = tuple(TaskSchema().fields)


class TaskMove(Schema):
    """POST /api/v1/tasks/{id}/move: where the task (and its subtree) goes."""

    class Meta:
        unknown = RAISE

    list_id = Id(metadata=_doc("Default: where it is (or the parent's list)."))
    parent_id = Id(allow_none=True, metadata=_doc("`null`: top level. Default: where it is."))
    after = Id(
        required=True, allow_none=True, metadata=_doc("The sibling it goes directly after; `null`: first.")
    )


class ListMove(Schema):
    """POST /api/v1/lists/{id}/move: the list goes directly after `after` (`null`: first)."""

    class Meta:
        unknown = RAISE

    after = Id(required=True, allow_none=True)


class ListInput(Schema):
    """The writable fields of a list (POST and PUT: all, with defaults; PATCH: those sent)."""

    class Meta:
        unknown = RAISE

    name = Text(trim=True, required=True, validate=Length(1, rules.MAX_LIST_NAME, error=MESSAGES["name"]))
    color = Color(allow_none=True, load_default=None)
    position = fields.Integer(strict=True, validate=INT32, metadata=_doc("Default: after the last list."))

    @pre_load
    def drop_read_only(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in LIST_READ_ONLY}
        return data


LIST_READ_ONLY = ("id", "user_id", "is_inbox", "open_tasks", "version", "created_at", "updated_at")


class ListSchema(Schema):
    """A list as the API returns it."""

    id = fields.UUID(dump_only=True, metadata=_doc("Server-assigned, time-ordered (UUIDv7)."))
    name = fields.String(metadata=_doc("1 to 100 characters, trimmed; unique per user in any case."))
    color = fields.String(allow_none=True, metadata=_doc("`#rrggbb`, or null."))
    is_inbox = fields.Boolean(
        dump_only=True, metadata=_doc("The user's one Inbox: renamable, never deleted.")
    )
    position = fields.Integer(metadata=_doc("Order of the lists, ascending, ties by id."))
    open_tasks = fields.Integer(dump_only=True, metadata=_doc("How many of its tasks are open."))
    version = fields.Integer(dump_only=True, metadata=_doc('+1 on every change; the ETag is `"<version>"`.'))
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


LIST_FIELDS = tuple(ListSchema().fields)


def list_json(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row.get(name) for name in LIST_FIELDS}


def task_json(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row as the API shows it (orjson writes the datetimes and UUIDs as RFC 3339 / text)."""
    out = {name: row.get(name) for name in TASK_FIELDS}
    out["is_recurring"] = row["recurrence_rule"] is not None
    return out


class QueryBoolean(fields.Boolean):
    """`true` or `false` in a query string (nothing else: no 1, yes or on)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if value not in ("true", "false"):
            raise ValidationError("Must be true or false.")
        return value == "true"


class QueryTimestamp(Timestamp):
    """A Timestamp from a query string, where an unencoded `+` of the offset arrives as a space."""

    document_pattern = syntax.QUERY_TIMESTAMP
    description = Timestamp.description + " An unencoded `+` (a space) is read as `+`."

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if isinstance(value, str):
            value = value.replace(" ", "+")
        return super()._deserialize(value, attr, data, **kwargs)


class ParentFilter(fields.String):
    """A task id, or `none` (top-level tasks only)."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"pattern": f"^(none|{UUID_TEXT})$", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if text == "none":
            return "none"
        return Id()._deserialize(text, attr, data, **kwargs)


class CommaSeparated(BoundedList):
    """`a,b,c` (or the parameter repeated) as a list of the inner field's values (at least one)."""

    def __init__(self, inner: fields.Field, *, max_items: int, error: str) -> None:
        super().__init__(inner, max_items=max_items, error=error, min_one=True)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        parts = value if isinstance(value, list) else [value]
        if not all(isinstance(part, str) for part in parts):
            raise ValidationError("Must be a comma-separated list.")
        return super()._deserialize([v for part in parts for v in part.split(",")], attr, data, **kwargs)


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
    parent_id = ParentFilter(metadata=_doc("A task's id: its direct subtasks; `none`: top-level tasks."))
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

    list_id = Id(metadata=_doc("Export this list only (another user's or an absent one: empty)."))


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


MAX_BATCH_OPERATIONS = 100
REF_NAME = r"^[A-Za-z0-9_.-]{1,64}$"
BATCH_METHODS = ("DELETE", "PATCH", "POST", "PUT")


class OperationHeaders(Schema):
    """What an operation may send of its own; the batch request carries the rest (Idempotency-Key)."""

    class Meta:
        unknown = RAISE

    if_match = fields.String(data_key="If-Match", metadata={"description": "As on the route alone."})


class OperationInput(Schema):
    """One operation of a batch: a request on a task route, as it would be sent alone."""

    class Meta:
        unknown = RAISE

    method = fields.String(
        required=True,
        validate=OneOf(
            BATCH_METHODS, error=f"Must be one of: {', '.join(BATCH_METHODS)} (a batch runs writes)."
        ),
    )
    path = Text(
        required=True,
        validate=Length(1, 2000),
        metadata={"description": "A task route's path; `$<ref>` as a segment is an earlier operation's id."},
    )
    body = fields.Dict(keys=fields.String(), metadata={"description": "The request body, a JSON object."})
    headers = fields.Nested(OperationHeaders)
    ref = fields.String(
        validate=Regexp(REF_NAME, error="Must be 1 to 64 of A-Z a-z 0-9 . _ -."),
        metadata={"description": "A name for the id this operation creates: later ones write `$<ref>`."},
    )


class BatchInput(Schema):
    """POST /api/v1/batch: the operations, run in order in one transaction."""

    class Meta:
        unknown = RAISE

    operations = fields.List(
        fields.Nested(OperationInput),
        required=True,
        validate=Length(1, MAX_BATCH_OPERATIONS, error=f"Must hold 1 to {MAX_BATCH_OPERATIONS} operations."),
    )

    @pre_load
    def bounded(self, data: Any, **kwargs: Any) -> Any:
        """Count before loading: a body of 100,000 operations is refused without reading them."""
        operations = data.get("operations") if isinstance(data, dict) else None
        if isinstance(operations, list) and len(operations) > MAX_BATCH_OPERATIONS:
            raise ValidationError(
                f"Must hold 1 to {MAX_BATCH_OPERATIONS} operations, not {len(operations)}.", "operations"
            )
        return data


# one instance each, made once: a schema instance deep-copies its fields when it is made
TASK_INPUT = TaskInput()
LIST_INPUT = ListInput()
TASK_MOVE = TaskMove()
LIST_MOVE = ListMove()
LIST_QUERY = ListQuery()
SYNC_QUERY = SyncQuery()
OCCURRENCES_QUERY = OccurrencesQuery()
CALENDAR_QUERY = CalendarQuery()
REMINDERS_QUERY = RemindersQuery()
BATCH_INPUT = BatchInput()


def load(schema: Schema, data: Any, *, partial: bool = False) -> dict[str, Any]:
    """`data` through `schema`; what it breaks becomes Invalid, the API's one refusal."""
    try:
        return schema.load(data, partial=partial)
    except ValidationError as exc:
        errors = flatten_errors(exc.messages)
        # marshmallow keeps the error in a local of the frame it raised it from: error, traceback
        # and frames (with the request's data) form a cycle that only the cyclic collector would
        # free, much later; clearing the frames frees a hostile body's objects now
        traceback.clear_frames(exc.__traceback__)
    raise Invalid(errors)


# a problem stays small whatever the request: a body with 100,000 unknown fields gets 20 of them
MAX_FIELDS_IN_PROBLEM = 20
MAX_MESSAGES_PER_FIELD = 5


def flatten_errors(messages: Any) -> dict[str, list[str]]:
    """marshmallow's nested messages as {"field": ["message", ...]} (list items named by position),
    at most MAX_FIELDS_IN_PROBLEM fields of at most MAX_MESSAGES_PER_FIELD messages each."""
    flat = _flatten(messages)
    shown = dict(list(flat.items())[:MAX_FIELDS_IN_PROBLEM])
    for field, field_messages in shown.items():
        if len(field_messages) > MAX_MESSAGES_PER_FIELD:
            hidden = len(field_messages) - MAX_MESSAGES_PER_FIELD + 1
            shown[field] = [*field_messages[: MAX_MESSAGES_PER_FIELD - 1], f"... and {hidden} more."]
    if len(flat) > len(shown):
        shown.setdefault("body", []).append(f"... and {len(flat) - len(shown)} more fields with errors.")
    return shown


def _flatten(messages: Any) -> dict[str, list[str]]:
    if not isinstance(messages, dict):
        return {"body": [str(m) for m in (messages if isinstance(messages, list) else [messages])]}
    flat: dict[str, list[str]] = {}
    for field, value in messages.items():
        key = "body" if field == "_schema" else str(field)
        if isinstance(value, dict):
            for index, inner in value.items():
                if isinstance(inner, dict):  # an object in a list: `operations[3].path`
                    for name, messages in _flatten(inner).items():
                        flat.setdefault(f"{key}[{index}].{name}", []).extend(messages)
                    continue
                if isinstance(index, str):  # a field of a nested object: `headers.If-Match`
                    flat.setdefault(f"{key}.{index}", []).extend(
                        inner if isinstance(inner, list) else [inner]
                    )
                    continue
                for message in inner if isinstance(inner, list) else [inner]:
                    flat.setdefault(key, []).append(f"Item {index}: {message}")
        else:
            flat.setdefault(key, []).extend(str(m) for m in value)
    return flat


__all__ = [
    "EXCLUDE",
    "CalendarQuery",
    "ListInput",
    "ListMove",
    "ListQuery",
    "ListSchema",
    "OccurrencesQuery",
    "RemindersQuery",
    "SyncQuery",
    "TaskInput",
    "TaskMove",
    "TaskSchema",
    "flatten_errors",
    "list_json",
    "load",
    "task_json",
]
