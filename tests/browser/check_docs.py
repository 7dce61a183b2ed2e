"""Loads /docs in headless Chromium, checks every documented operation is rendered, saves a screenshot.

python -m tests.browser.check_docs http://127.0.0.1:8000 [screenshot.png]
"""

from __future__ import annotations

import json
import re
import sys
import urllib.request
from pathlib import Path

from tests.browser.chromium import run_chromium

HTTP_METHODS = {"get", "put", "post", "patch", "delete"}


def documented_operations(base_url: str) -> set[tuple[str, str]]:
    with urllib.request.urlopen(base_url + "/openapi.json", timeout=10) as response:
        paths = json.load(response)["paths"]
    return {(method, path) for path, item in paths.items() for method in item if method in HTTP_METHODS}


def rendered_operations(dom: str) -> set[tuple[str, str]]:
    """(method, path) of every Swagger UI operation block (`opblock`) in the DOM."""
    found = set()
    for block in re.finditer(r'<div class="opblock opblock-(\w+)[^"]*".*?data-path="([^"]+)"', dom, re.S):
        found.add((block.group(1), block.group(2)))
    return found


def check_docs(base_url: str, screenshot: Path) -> set[tuple[str, str]]:
    """Raise AssertionError naming what is missing; return the operations rendered."""
    expected = documented_operations(base_url)
    dom = run_chromium(base_url + "/docs", "--dump-dom")
    assert "swagger-ui" in dom and "taskapi" in dom, "the Swagger UI page did not render"
    rendered = rendered_operations(dom)
    missing = expected - rendered
    assert not missing, f"operations not rendered in /docs: {sorted(missing)}"
    run_chromium(base_url + "/docs", f"--screenshot={screenshot.resolve()}")
    assert screenshot.stat().st_size > 10_000, "the screenshot is (nearly) empty"
    return rendered


if __name__ == "__main__":
    shot = Path(sys.argv[2] if len(sys.argv) > 2 else "docs-screenshot.png")
    operations = check_docs(sys.argv[1].rstrip("/"), shot)
    print(f"/docs renders {len(operations)} operations; screenshot: {shot}")
