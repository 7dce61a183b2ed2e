"""Headless Chromium from the command line: the DOM after scripts ran, or a screenshot."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome")


def find_chromium() -> str | None:
    return next((path for name in BROWSER_NAMES if (path := shutil.which(name))), None)


def run_chromium(url: str, *extra: str, budget_ms: int = 8000, timeout: float = 60) -> str:
    """Chromium's stdout for `url` (e.g. with --dump-dom), in a fresh profile, no network beyond it."""
    browser = find_chromium()
    if browser is None:
        raise RuntimeError("chromium is not installed: apt-get install -y chromium")
    with tempfile.TemporaryDirectory(prefix="taskapi-chromium-") as profile:
        command = [
            browser,
            "--headless",
            "--no-sandbox",  # we run as root in CI
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            "--window-size=1280,2000",
            f"--virtual-time-budget={budget_ms}",
            *extra,
            url,
        ]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env={**os.environ, "HOME": profile}
        )
    if result.returncode != 0:
        raise RuntimeError(f"chromium failed ({result.returncode}): {result.stderr[-2000:]}")
    return result.stdout
