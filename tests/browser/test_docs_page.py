"""/docs renders every documented operation in a real (headless) Chromium."""

from __future__ import annotations

from pathlib import Path

from tests.browser.check_docs import check_docs
from tests.live import LiveServer


def test_docs_render_every_operation_in_chromium(
    chromium: str, browser_server: LiveServer, tmp_path: Path
) -> None:
    rendered = check_docs(browser_server.base_url, tmp_path / "docs.png")

    assert ("patch", "/api/v1/tasks/{task_id}") in rendered
    assert ("post", "/api/v1/tasks/{task_id}/toggle") in rendered
