"""Webhook subscriptions over HTTP: create (secret once), list, read, change, delete; bad input
is a 400 naming the field; another user's subscription is 404."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.api import Api

PUBLIC = "https://93.184.216.34/hooks/taskapi"  # an address literal: no DNS needed


def subscribe(api: Api, **body: Any) -> Any:
    return api.request("POST", "/api/v1/webhooks", json={"url": PUBLIC, "events": ["*"], **body})


def test_a_subscription_is_created_with_a_secret_shown_once(alice: Api) -> None:
    created = subscribe(alice, events=["task.created", "task.completed"], description="calendar bridge")
    assert created.status_code == 201, created.text
    body = created.json
    assert created.headers["Location"] == f"/api/v1/webhooks/{body['id']}"
    assert body["secret"].startswith("whsec_") and len(base64.b64decode(body["secret"][6:])) >= 24
    assert {k: body[k] for k in ("url", "events", "description", "enabled")} == {
        "url": PUBLIC,
        "events": ["task.created", "task.completed"],
        "description": "calendar bridge",
        "enabled": True,
    }
    read = alice.request("GET", created.headers["Location"]).json
    assert read == {k: v for k, v in body.items() if k != "secret"}
    listed = alice.request("GET", "/api/v1/webhooks").json["items"]
    assert listed == [read]


def test_patch_changes_only_the_fields_sent(alice: Api) -> None:
    created = subscribe(alice, description="first").json
    changed = alice.request(
        "PATCH", f"/api/v1/webhooks/{created['id']}", json={"enabled": False, "events": ["task.deleted"]}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json["enabled"] is False and changed.json["events"] == ["task.deleted"]
    assert changed.json["description"] == "first" and changed.json["url"] == PUBLIC
    assert "secret" not in changed.json


def test_delete_answers_204_and_then_404(alice: Api) -> None:
    location = subscribe(alice).headers["Location"]
    assert alice.request("DELETE", location).status_code == 204
    assert alice.request("GET", location).status_code == 404
    assert alice.request("DELETE", location).status_code == 404


def test_another_users_subscription_and_deliveries_are_404(alice: Api, bob: Api) -> None:
    location = subscribe(alice).headers["Location"]
    assert bob.request("GET", location).status_code == 404
    assert bob.request("PATCH", location, json={"enabled": False}).status_code == 404
    assert bob.request("DELETE", location).status_code == 404
    assert bob.request("GET", location + "/deliveries").status_code == 404
    retry = f"{location}/deliveries/019a5f3d-0000-7000-8000-000000000001/retry"
    assert bob.request("POST", retry).status_code == 404
    assert bob.request("GET", "/api/v1/webhooks").json["items"] == []
    assert alice.request("GET", location).json["enabled"] is True  # untouched


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "not a url"}, "url"),
        ({"url": "http://93.184.216.34/hook"}, "url"),  # plain http, not allowed here
        ({"url": "https://127.0.0.1/hook"}, "url"),  # loopback
        ({"url": "https://localhost:8443/hook"}, "url"),  # resolves to loopback
        ({"url": "https://10.1.2.3/hook"}, "url"),  # private
        ({"url": "https://169.254.169.254/latest"}, "url"),  # link-local (cloud metadata)
        ({"url": "https://[::1]/hook"}, "url"),
        ({"url": "https://[::ffff:192.168.0.1]/hook"}, "url"),  # IPv4-mapped private
        ({"url": "https://user:pw@93.184.216.34/hook"}, "url"),
        ({"url": "https://no-such-host.invalid/hook"}, "url"),
        ({"events": ["task.exploded"]}, "events"),
        ({"events": []}, "events"),
        ({"events": "task.created"}, "events"),
        ({"description": "x" * 501}, "description"),
        ({"secret": "whsec_mine"}, "secret"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_saves_nothing(
    alice: Api, body: dict[str, Any], field: str
) -> None:
    refused = subscribe(alice, **body)
    assert refused.status_code == 400, refused.text
    assert list(refused.json["errors"]) == [field]
    assert alice.request("GET", "/api/v1/webhooks").json["items"] == []


def test_patch_checks_the_url_as_create_does(alice: Api) -> None:
    location = subscribe(alice).headers["Location"]
    refused = alice.request("PATCH", location, json={"url": "https://192.168.1.10/hook"})
    assert refused.status_code == 400 and list(refused.json["errors"]) == ["url"]
    assert alice.request("GET", location).json["url"] == PUBLIC


def test_events_are_deduplicated_in_order(alice: Api) -> None:
    created = subscribe(alice, events=["task.deleted", "task.created", "task.deleted"]).json
    assert created["events"] == ["task.deleted", "task.created"]
