"""`make help` lists the developer commands the README and CI rely on."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_make_help_lists_every_developer_command_with_a_description() -> None:
    result = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True)
    described = {
        words[1]: " ".join(words[2:])
        for words in map(str.split, result.stdout.splitlines())
        if len(words) > 2
    }
    for target in ("run", "test", "lint", "migrate", "rollback", "token", "bench"):
        assert described.get(target), f"make help does not describe `make {target}`:\n{result.stdout}"


def test_make_run_installs_only_what_running_needs() -> None:
    plan = subprocess.run(
        ["make", "-n", "-W", "requirements.txt", "run"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "requirements.txt" in plan.stdout
    assert "requirements-dev.txt" not in plan.stdout
    tools = subprocess.run(
        ["make", "-n", "-W", "requirements-dev.txt", "test"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "requirements-dev.txt" in tools.stdout
