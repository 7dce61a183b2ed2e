"""Bad input: a clear 400 (or 413/415) problem naming the field, and the data left as it was."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api import Api

DUE = "2026-12-01T09:00:00Z"

# (body, the field the error must name)
BAD_BODIES: list[tuple[dict[str, Any], str]] = [
    ({}, "title"),
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": None}, "title"),
    ({"title": 42}, "title"),
    ({"title": "a\x00b"}, "title"),
    ({"title": "t", "description": "x" * 2001}, "description"),
    ({"title": "t", "description": 5}, "description"),
    ({"title": "t", "completed": "true"}, "completed"),
    ({"title": "t", "completed": 1}, "completed"),
    ({"title": "t", "priority": "urgent"}, "priority"),
    ({"title": "t", "priority": None}, "priority"),
    ({"title": "t", "tags": "a,b"}, "tags"),
    ({"title": "t", "tags": [""]}, "tags"),
    ({"title": "t", "tags": ["x" * 51]}, "tags"),
    ({"title": "t", "tags": [str(n) for n in range(21)]}, "tags"),
    ({"title": "t", "tags": [1]}, "tags"),
    ({"title": "t", "due_date": "2026-12-01T09:00:00"}, "due_date"),
    ({"title": "t", "due_date": "2026-12-01"}, "due_date"),
    ({"title": "t", "due_date": "tomorrow"}, "due_date"),
    ({"title": "t", "due_date": 1764579600}, "due_date"),
    ({"title": "t", "due_date": "0001-01-01T00:00:00Z"}, "due_date"),
    ({"title": "t", "reminder_at": "2026-12-01T10:00:00Z", "due_date": DUE}, "reminder_at"),
    ({"title": "t", "timezone": "Mars/Olympus"}, "timezone"),
    ({"title": "t", "timezone": "../../etc/passwd"}, "timezone"),
    ({"title": "t", "recurrence_rule": "FREQ=DAILY"}, "recurrence_rule"),
    ({"title": "t", "due_date": DUE, "recurrence_rule": "FREQ=SECONDLY"}, "recurrence_rule"),
    ({"title": "t", "due_date": DUE, "recurrence_rule": "FREQ=MINUTELY"}, "recurrence_rule"),
    ({"title": "t", "due_date": DUE, "recurrence_rule": "DTSTART:20260101T000000Z"}, "recurrence_rule"),
    ({"title": "t", "due_date": DUE, "recurrence_rule": "FREQ=DAILY;DTSTART=20260101"}, "recurrence_rule"),
    ({"title": "t", "due_date": DUE, "recurrence_rule": "FREQ=DAILY;BYDAY=XX"}, "recurrence_rule"),
    (
        {"title": "t", "due_date": DUE, "recurrence_rule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"},
        "recurrence_rule",
    ),
    ({"title": "t", "due_date": DUE, "recurrence_rule": "FREQ=DAILY;UNTIL=20200101"}, "recurrence_rule"),
    (
        {"title": "t", "due_date": DUE, "recurrence_rule": "FREQ=DAILY;" + "INTERVAL=1;" * 60},
        "recurrence_rule",
    ),
    ({"title": "t", "recurrence_anchor": "whenever"}, "recurrence_anchor"),
    ({"title": "t", "position": 1.5}, "position"),
    ({"title": "t", "position": "1"}, "position"),
    ({"title": "t", "position": 2**31}, "position"),
    ({"title": "t", "colour": "red"}, "colour"),
]


def _assert_validation_problem(result: Any, field: str) -> None:
    assert result.status_code == 400, result.text
    assert result.headers["Content-Type"] == "application/problem+json"
    problem = result.json
    assert problem["status"] == 400 and problem["type"] == "/problems/validation-error"
    assert field in problem["errors"], problem
    assert all(isinstance(m, str) and m for m in problem["errors"][field])


@pytest.mark.parametrize(("body", "field"), BAD_BODIES)
def test_bad_create_is_400_naming_the_field_and_creates_nothing(
    alice: Api, body: dict[str, Any], field: str
) -> None:
    _assert_validation_problem(alice.request("POST", "/api/v1/tasks", json=body), field)
    assert alice.request("GET", "/api/v1/tasks").json["total"] == 0


@pytest.mark.parametrize(("body", "field"), BAD_BODIES)
def test_bad_put_is_400_and_leaves_the_task_as_it_was(alice: Api, body: dict[str, Any], field: str) -> None:
    task = alice.create(title="original", due_date=DUE)
    path = f"/api/v1/tasks/{task['id']}"

    _assert_validation_problem(alice.request("PUT", path, json=body), field)
    assert alice.request("GET", path).json == task


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": None}, "title"),
        ({"title": " "}, "title"),
        ({"priority": None}, "priority"),
        ({"tags": None}, "tags"),
        ({"completed": None}, "completed"),
        ({"reminder_at": "2026-12-02T09:00:00Z"}, "reminder_at"),  # after the stored due date
        ({"recurrence_rule": "FREQ=DAILY;UNTIL=20200101"}, "recurrence_rule"),  # before the due date
        ({"due_date": None, "recurrence_rule": "FREQ=DAILY"}, "recurrence_rule"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_patch_is_400_and_leaves_the_task_as_it_was(alice: Api, body: dict[str, Any], field: str) -> None:
    task = alice.create(title="original", due_date=DUE)
    path = f"/api/v1/tasks/{task['id']}"

    _assert_validation_problem(alice.request("PATCH", path, json=body), field)
    assert alice.request("GET", path).json == task


def test_patch_that_would_leave_a_rule_without_due_date_is_400(alice: Api) -> None:
    task = alice.create(due_date=DUE, recurrence_rule="FREQ=DAILY")
    path = f"/api/v1/tasks/{task['id']}"

    _assert_validation_problem(alice.request("PATCH", path, json={"due_date": None}), "recurrence_rule")
    assert alice.request("GET", path).json == task


def test_every_error_names_each_bad_field_at_once(alice: Api) -> None:
    result = alice.request("POST", "/api/v1/tasks", json={"title": "", "priority": "x", "extra": 1})

    assert set(result.json["errors"]) == {"title", "priority", "extra"}


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b'{"title": "x"', "not valid JSON"),
        (b"", "empty"),
        (b"[]", "JSON object"),
        (b'"title"', "JSON object"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
def test_malformed_bodies_are_400(alice: Api, data: bytes, detail: str) -> None:
    result = alice.request("POST", "/api/v1/tasks", body=data, headers={"Content-Type": "application/json"})

    assert result.status_code == 400
    assert result.headers["Content-Type"] == "application/problem+json"
    assert detail.lower() in " ".join(result.json["errors"]["body"]).lower()


def test_a_body_that_is_not_json_is_415(alice: Api) -> None:
    result = alice.request("POST", "/api/v1/tasks", body="title=x", headers={"Content-Type": "text/plain"})

    assert result.status_code == 415 and result.json["status"] == 415


def test_a_body_over_one_mebibyte_is_413(alice: Api) -> None:
    body = b'{"title": "x", "description": "' + b"a" * (1024 * 1024) + b'"}'
    result = alice.request("POST", "/api/v1/tasks", body=body, headers={"Content-Type": "application/json"})

    assert result.status_code == 413 and result.json["status"] == 413
    assert alice.request("GET", "/api/v1/tasks").json["total"] == 0


@pytest.mark.parametrize("value", ["3", "abc", '"x"', 'W/"1", junk'])
def test_malformed_if_match_is_400_and_changes_nothing(alice: Api, value: str) -> None:
    task = alice.create()
    path = f"/api/v1/tasks/{task['id']}"

    result = alice.request("PATCH", path, json={"title": "new"}, headers={"If-Match": value})

    assert result.status_code == 400 and "If-Match" in result.json["detail"]
    assert alice.request("GET", path).json == task


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("PUT", "", {"title": "new"}),
        ("PATCH", "", {"title": "new"}),
        ("DELETE", "", None),
        ("POST", "/toggle", None),
    ],
)
def test_stale_if_match_is_412_with_current_task_and_changes_nothing(
    alice: Api, method: str, suffix: str, body: Any
) -> None:
    task = alice.create()
    path = f"/api/v1/tasks/{task['id']}"
    current = alice.request("PATCH", path, json={"description": "moved on"}).json

    result = alice.request(method, path + suffix, json=body, headers={"If-Match": '"1"'})

    assert result.status_code == 412
    assert result.json["type"] == "/problems/version-mismatch"
    assert result.json["current"] == current
    assert result.headers["ETag"] == '"2"'
    assert alice.request("GET", path).json == current


@pytest.mark.parametrize("value", ['"2"', 'W/"2"', '"1", "2"', "*"])
def test_matching_if_match_applies_the_write(alice: Api, value: str) -> None:
    task = alice.create()
    path = f"/api/v1/tasks/{task['id']}"
    alice.request("PATCH", path, json={"description": "v2"})

    result = alice.request("PATCH", path, json={"title": "v3"}, headers={"If-Match": value})

    assert result.status_code == 200 and result.json["version"] == 3


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"bogus": "1"}, "bogus"),
    ],
)
def test_bad_list_parameters_are_400_naming_them(alice: Api, params: dict[str, str], name: str) -> None:
    _assert_validation_problem(alice.request("GET", "/api/v1/tasks", params=params), name)
