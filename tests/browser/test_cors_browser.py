"""CORS in a real browser: fetch with a bearer token from an allowed origin works, from another is blocked."""

from __future__ import annotations

from tests.api import make_token
from tests.browser.check_cors import call_from_origin
from tests.live import LiveServer, free_port


def test_allowed_origin_calls_the_api_with_a_token(
    chromium: str, browser_server: LiveServer, allowed_origin_port: int
) -> None:
    seen = call_from_origin(browser_server.base_url, allowed_origin_port, make_token("browser-user"))

    assert seen["outcome"] == "ok", seen
    assert seen["created"] == 201 and seen["listed"] == 200 and seen["total"] == 1
    assert seen["etag"] == '"1"' and str(seen["location"]).startswith("/api/v1/tasks/")
    assert seen["request_id"] == "cors-check"


def test_other_origin_is_blocked_by_the_browser(chromium: str, browser_server: LiveServer) -> None:
    seen = call_from_origin(browser_server.base_url, free_port(), make_token("stranger-user"))

    assert seen["outcome"] == "blocked", seen
    assert "Failed to fetch" in str(seen["error"])
