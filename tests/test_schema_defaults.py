"""A TaskInput load fills in the defaults after loading what was sent (DefaultsAfterLoad): the
result, or the error, is always the one marshmallow's full load gives."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError

from taskapi.schemas import TASK_INPUT

# for each field, values it takes, then values it refuses; and keys dropped or not known
VALUES: dict[str, tuple[list[Any], list[Any]]] = {
    "title": (["Buy milk", "  padded  "], ["", "x" * 201, None, 7, "nul\x00"]),
    "description": (["Two litres", None, ""], [3]),
    "completed": ([True, False], [None, "yes", 1]),
    "priority": (["high", "LOW", "medium"], ["urgent", None]),
    "tags": ([[], ["home", "Home", "errand"]], [["x" * 100], "home", [1], None]),
    "due_date": (["2027-01-01T10:00:00+00:00", None], ["2027-01-01T10:00:00", "tomorrow"]),
    "reminder_at": (["2026-12-31T09:00:00Z", None], [5]),
    "timezone": (["Europe/Paris", "UTC"], ["Mars/Olympus", None]),
    "recurrence_rule": (["FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO", None], ["FREQ=SOMETIMES"]),
    "recurrence_anchor": (["due", "completion"], ["never", None]),
    "list_id": (["0190a000-0000-7000-8000-000000000001"], ["not-a-uuid", None]),
    "parent_id": (["0190a000-0000-7000-8000-000000000002", None], [12]),
    "position": ([0, 5, -1], [2**31, "3", None, 1.5]),
    "id": (["read-only, dropped"], []),
    "version": ([3], []),
    "colour": ([], ["an unknown field"]),
}
# bodies of values each field takes (loaded, unless the title is left out), and of any values
valid_bodies = st.fixed_dictionaries(
    {}, optional={name: st.sampled_from(good) for name, (good, _) in VALUES.items() if good}
)
any_bodies = st.fixed_dictionaries(
    {}, optional={name: st.sampled_from(good + bad) for name, (good, bad) in VALUES.items()}
)


def full_load(data: Any, many: bool = False) -> Any:
    """What marshmallow's own load gives: each left-out field through its field."""
    try:
        return Schema.load(TASK_INPUT, data, many=many)
    except ValidationError as exc:
        return ("refused", exc.messages)


def fast_load(data: Any, many: bool = False) -> Any:
    try:
        return TASK_INPUT.load(data, many=many)
    except ValidationError as exc:
        return ("refused", exc.messages)


@settings(max_examples=400, deadline=None)
@given(valid_bodies)
def test_a_load_of_valid_fields_is_the_full_load(body: dict[str, Any]) -> None:
    assert fast_load(body) == full_load(body)


@settings(max_examples=400, deadline=None)
@given(any_bodies)
def test_a_load_is_the_full_load_whatever_the_body(body: dict[str, Any]) -> None:
    assert fast_load(body) == full_load(body)


@settings(max_examples=200, deadline=None)
@given(st.lists(valid_bodies, max_size=8))
def test_a_load_of_many_is_the_full_load_of_many(bodies: list[dict[str, Any]]) -> None:
    assert fast_load(bodies, many=True) == full_load(bodies, many=True)


@settings(max_examples=200, deadline=None)
@given(st.lists(any_bodies, max_size=8))
def test_a_load_of_many_is_the_full_load_of_many_whatever_the_bodies(bodies: list[dict[str, Any]]) -> None:
    assert fast_load(bodies, many=True) == full_load(bodies, many=True)


@pytest.mark.parametrize("data", [{"title": "not a list"}, "x", [{"title": "a"}, "x"]])
def test_many_of_what_is_no_list_of_objects_is_refused_as_marshmallow_refuses_it(data: Any) -> None:
    assert fast_load(data, many=True) == full_load(data, many=True)
    assert fast_load(data, many=True)[0] == "refused"


@pytest.mark.parametrize("body", [{"title": "Buy milk"}, {"title": "Buy milk", "tags": ["a", "A"]}])
def test_a_title_alone_gets_every_default(body: dict[str, Any]) -> None:
    loaded = fast_load(body)
    assert loaded == full_load(body)
    assert loaded["priority"] == "medium" and loaded["timezone"] == "UTC" and loaded["completed"] is False


def test_each_load_gets_a_list_of_its_own() -> None:
    first, second = TASK_INPUT.load({"title": "a"}), TASK_INPUT.load({"title": "b"})
    first["tags"].append("changed")
    assert second["tags"] == []


@pytest.mark.parametrize("data", [{}, {"priority": "high"}, [], "a title", None])
def test_what_lacks_a_title_or_is_no_object_is_refused_as_marshmallow_refuses_it(data: Any) -> None:
    assert fast_load(data) == full_load(data)
    assert fast_load(data)[0] == "refused"


def test_a_partial_load_fills_in_nothing() -> None:
    assert TASK_INPUT.load({"priority": "low"}, partial=True) == {"priority": "low"}
