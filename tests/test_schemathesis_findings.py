"""Regressions for what schemathesis found against the live server."""

from __future__ import annotations

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
