"""Regressions for what schemathesis found against the live server."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.api import Api


def test_if_match_naming_a_version_beyond_int32_is_412_not_500(alice: Api) -> None:
    task = alice.create()
    path = f"/api/v1/tasks/{task['id']}"
    for method, suffix in (("POST", "/toggle"), ("DELETE", ""), ("PUT", "")):
        result = alice.request(
            method,
            path + suffix,
            headers={"If-Match": '"8295386343"'},
            json={"title": "x"} if method == "PUT" else None,
        )
        assert result.status_code == 412, (method, result.text)
    assert alice.request("GET", path).json["version"] == 1


def test_if_none_match_naming_a_version_beyond_int32_is_a_full_answer(alice: Api) -> None:
    task = alice.create()

    result = alice.request("GET", f"/api/v1/tasks/{task['id']}", headers={"If-None-Match": '"8295386343"'})

    assert result.status_code == 200 and result.json["id"] == task["id"]


def _document(alice: Api) -> dict[str, Any]:
    return alice.client.simulate_get("/openapi.json").json


def _admits(schema: dict[str, Any], value: str) -> bool:
    return re.fullmatch(schema["pattern"], value) is not None


def _body_property(alice: Api, name: str) -> dict[str, Any]:
    return _document(alice)["components"]["schemas"]["TaskInput"]["properties"][name]


def _query_parameter(alice: Api, path: str, name: str) -> dict[str, Any]:
    parameters = _document(alice)["paths"][path]["get"]["parameters"]
    return next(p for p in parameters if p.get("name") == name)["schema"]


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("2026-11-22T09:00:00+00:00", True),
        ("1900-01-01T00:30:00+01:00", True),  # 1899 in UTC: the year as written counts
        ("9999-12-30T23:59:59.123456789-23:59", True),  # 9999-12-31 in UTC, still readable
        ("2024-02-29t08:00:00z", True),
        ("0066-06-02T17:33:39Z", False),
        ("9999-12-31T00:00:00Z", False),
        ("1900-02-29T00:00:00Z", False),  # not a leap year
        ("2026-04-31T00:00:00Z", False),
        ("2026-01-01T00:00:60Z", False),
        ("2026-01-01T00:00:00+24:00", False),
        ("٢٠٢٦-01-01T00:00:00Z", False),  # another script's digits
    ],
)
def test_document_and_server_agree_on_timestamps(alice: Api, value: str, accepted: bool) -> None:
    schema = _body_property(alice, "due_date")

    result = alice.request("POST", "/api/v1/tasks", json={"title": "t", "due_date": value})

    assert _admits(schema, value) is accepted
    assert (result.status_code == 201) is accepted, result.text
    if accepted:
        assert alice.request("GET", f"/api/v1/tasks/{result.json['id']}").status_code == 200
    else:
        assert list(result.json["errors"]) == ["due_date"]


def test_reminders_until_takes_the_offset_plus_as_a_space_as_documented(alice: Api) -> None:
    schema = _query_parameter(alice, "/api/v1/reminders", "until")
    value = "2026-11-22T09:00:00 01:00"  # what an unencoded `+01:00` arrives as

    result = alice.request("GET", "/api/v1/reminders", query_string=f"until={value.replace(' ', '+')}")

    assert _admits(schema, value) and "format" not in schema
    assert result.status_code == 200, result.text


@pytest.mark.parametrize(
    ("rule", "accepted"),
    [
        ("rrule:freq=weekly;byday=mo,-1fr;count=5", True),
        (" FREQ=MONTHLY;BYMONTHDAY=-31;BYSETPOS=+01 ", True),
        ("BYDAY=MO;FREQ=WEEKLY", False),  # RFC 5545: FREQ first
        ("FREQ=DAILY;BYHOUR=٣", False),  # int() reads Arabic-Indic digits; they were accepted
        ("FREQ=DAILY;BYHOUR=²", False),  # str.isdigit() is true, int() fails
        ("FREQ=DA\u0131LY", False),  # str.upper() makes the dotless i an I
        ("FREQ=MONTHLY;BYDAY=MO(+1)", False),  # dateutil's own form, not RFC 5545
        ("FREQ=MONTHLY;BYSETPOS=1_0;BYDAY=MO", False),  # int() reads "1_0" as 10
        ("FREQ=DAILY;COUNT=100001", False),
        ("FREQ=DAILY;BYMINUTE=" + "0," * 245 + "0", False),  # over 500 characters
    ],
)
def test_document_and_server_agree_on_recurrence_rule_syntax(alice: Api, rule: str, accepted: bool) -> None:
    schema = _body_property(alice, "recurrence_rule")
    body = {"title": "t", "due_date": "2026-11-23T09:00:00+00:00", "recurrence_rule": rule}

    result = alice.request("POST", "/api/v1/tasks", json=body)

    assert (_admits(schema, rule) and len(rule) <= schema["maxLength"]) is accepted
    assert (result.status_code == 201) is accepted, result.text
    if not accepted:
        assert list(result.json["errors"]) == ["recurrence_rule"]


@pytest.mark.parametrize(
    ("title", "accepted"),
    [
        ("  " + "x" * 200 + "\u3000\n", True),  # trimmed to 200
        ("\x85\x1c title \u2029", True),
        (" \x1f\u2007\u3000 ", False),  # blank once trimmed, in Python's sense of white space
        ("x" * 201, False),
        ("a\x00b", False),
    ],
)
def test_document_and_server_agree_on_trimmed_text(alice: Api, title: str, accepted: bool) -> None:
    schema = _body_property(alice, "title")

    result = alice.request("POST", "/api/v1/tasks", json={"title": title})

    assert _admits(schema, title) is accepted
    assert (result.status_code == 201) is accepted, result.text


def test_a_blank_tag_in_a_listing_query_is_refused_as_documented(alice: Api) -> None:
    items = _query_parameter(alice, "/api/v1/tasks", "tags")["items"]

    result = alice.request("GET", "/api/v1/tasks", query_string="tags=home,%E2%80%85%0B")

    assert not _admits(items, "\u2005\x0b") and not _admits(items, "a,b") and _admits(items, " home ")
    assert result.status_code == 400 and list(result.json["errors"]) == ["tags"]


def test_read_only_fields_sent_back_are_ignored_as_documented(alice: Api) -> None:
    task = alice.create(title="before")
    documented = _body_property(alice, "version")

    result = alice.request(
        "PUT", f"/api/v1/tasks/{task['id']}", json={**task, "title": "after", "version": 99}
    )

    assert "ignored" in documented["description"]
    assert result.status_code == 200, result.text
    assert result.json["title"] == "after" and result.json["version"] == 2
