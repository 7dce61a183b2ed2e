"""The latest moment the API takes, in the zones furthest ahead: every route answers, none overflows."""

from __future__ import annotations

import pytest

from tests.api import Api


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Asia/Tokyo", "Etc/GMT-14", "America/Adak"])
@pytest.mark.parametrize("rule", [None, "FREQ=DAILY"])
def test_the_latest_due_date_in_the_furthest_zones_never_overflows(
    alice: Api, zone: str, rule: str | None
) -> None:
    body = {
        "title": "edge",
        "due_date": "9999-12-30T23:59:59-23:59",
        "timezone": zone,
        "recurrence_rule": rule,
    }
    r = alice.request("POST", "/api/v1/tasks", json=body)
    if rule is not None and r.status_code == 400:  # a series that cannot go on: refused, clearly
        assert "recurrence_rule" in r.json["errors"]
        return
    assert r.status_code == 201, r.text
    tid = r.json["id"]
    for method, path, b in [
        ("GET", f"/api/v1/tasks/{tid}/occurrences?count=5", None),
        ("GET", "/api/v1/tasks.ics", None),
        ("POST", f"/api/v1/tasks/{tid}/toggle", None),
        ("PATCH", f"/api/v1/tasks/{tid}", {"timezone": "Pacific/Kiritimati"}),
        ("GET", "/api/v1/tasks?sort_by=due_date", None),
        ("GET", "/api/v1/reminders", None),
        ("GET", "/api/v1/sync", None),
    ]:
        res = alice.request(method, path, json=b)
        assert res.status_code < 500, (method, path, res.text)
