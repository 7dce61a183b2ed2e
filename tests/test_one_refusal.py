"""Every 400 is the same problem: type validation-error, and `errors` naming each field,
parameter or header with its messages, whatever part of the request was wrong."""

from __future__ import annotations

import pytest

from tests.api import Api


def refused(result: object, name: str) -> None:
    assert result.status_code == 400, result.text  # type: ignore[attr-defined]
    problem = result.json  # type: ignore[attr-defined]
    assert problem["type"] == "/problems/validation-error"
    assert list(problem["errors"]) == [name]
    assert problem["detail"] == f"The request has invalid fields: {name}."
    assert all(isinstance(m, str) and m for m in problem["errors"][name])


@pytest.mark.parametrize(
    ("header", "value"), [("If-Match", "3"), ("If-Match", "W/x"), ("If-None-Match", "0")]
)
def test_a_malformed_precondition_names_its_header(alice: Api, header: str, value: str) -> None:
    task = alice.create()
    method = "GET" if header == "If-None-Match" else "PATCH"
    body = None if method == "GET" else {"title": "x"}
    refused(alice.request(method, f"/api/v1/tasks/{task['id']}", json=body, headers={header: value}), header)
    assert alice.request("GET", f"/api/v1/tasks/{task['id']}").json == task


def test_a_malformed_idempotency_key_names_its_header(alice: Api) -> None:
    result = alice.request("POST", "/api/v1/tasks", json={"title": "x"}, headers={"Idempotency-Key": "é" * 3})
    refused(result, "Idempotency-Key")
    assert alice.request("GET", "/api/v1/tasks").json["total"] == 0


@pytest.mark.parametrize("path", ["/api/v1/tasks", "/api/v1/sync"])
def test_a_cursor_the_api_never_issued_is_the_same_refusal_on_every_feed(alice: Api, path: str) -> None:
    refused(alice.request("GET", path, params={"cursor": "bm90LWEtY3Vyc29y"}), "cursor")


@pytest.mark.parametrize("body", [b"{", b"[]", b""])
def test_a_malformed_body_names_the_body(alice: Api, body: bytes) -> None:
    refused(
        alice.request("POST", "/api/v1/tasks", body=body, headers={"Content-Type": "application/json"}),
        "body",
    )


def test_a_broken_field_and_a_broken_rule_read_the_same(alice: Api) -> None:
    refused(alice.request("POST", "/api/v1/tasks", json={"title": " "}), "title")
    due = "2026-01-01T00:00:00+00:00"
    refused(
        alice.request(
            "POST",
            "/api/v1/tasks",
            json={"title": "x", "due_date": due, "reminder_at": "2026-02-01T00:00:00Z"},
        ),
        "reminder_at",
    )


DUE = "2026-03-02T09:00:00+00:00"


@pytest.mark.parametrize(
    ("stored", "sent"),
    [
        ({"due_date": DUE}, {"reminder_at": "2026-03-03T09:00:00+00:00"}),
        ({}, {"recurrence_rule": "FREQ=DAILY"}),
        ({"due_date": DUE}, {"recurrence_rule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}),
        ({"due_date": DUE}, {"recurrence_rule": "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO"}),
        ({"due_date": DUE}, {"title": "   "}),
    ],
    ids=["reminder-after-due", "rule-without-due", "never-a-date", "too-costly", "blank-title"],
)
def test_put_and_patch_breaking_the_same_rule_give_the_same_answer(
    alice: Api, stored: dict[str, str], sent: dict[str, str]
) -> None:
    task = alice.create(title="same rule", **stored)
    path = f"/api/v1/tasks/{task['id']}"
    put = alice.request("PUT", path, json={"title": "same rule", **stored, **sent})
    patch = alice.request("PATCH", path, json=sent)
    assert put.status_code == patch.status_code == 400
    assert put.json["errors"] == patch.json["errors"]
    assert put.json["detail"] == patch.json["detail"]
    assert alice.request("GET", path).json == task  # neither changed anything
