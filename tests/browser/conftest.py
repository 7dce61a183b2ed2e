"""A live gunicorn for the browser checks, and Chromium (required under CI=true, else skipped)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.browser.chromium import find_chromium
from tests.live import LiveServer, free_port, live_app
from tests.postgres import Database


@pytest.fixture(scope="session")
def chromium() -> str:
    browser = find_chromium()
    if browser is None:
        message = "chromium is not installed (apt-get install -y chromium; .ci/run installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return browser


@pytest.fixture(scope="session")
def allowed_origin_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def browser_server(database: Database, allowed_origin_port: int) -> Iterator[LiveServer]:
    with live_app(database.url, CORS_ORIGINS=f"http://127.0.0.1:{allowed_origin_port}") as live:
        yield live
