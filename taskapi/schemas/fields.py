"""The marshmallow fields the schemas are made of: each takes its value exactly as the API documents it."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from marshmallow import (
    ValidationError,
    fields,
)
from marshmallow.validate import Length, OneOf, Range

from taskapi.domain import recurrence, rules, syntax
from taskapi.domain.rules import MESSAGES
from taskapi.domain.zones import is_zone_name, zone_names

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


def doc(description: str) -> dict[str, str]:
    return {"description": description}


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
