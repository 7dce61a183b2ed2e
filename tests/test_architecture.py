"""The arrows point one way: the store, the database and the domain import nothing of the web,
and config.py is the one reader of the environment."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WEB = ("falcon", "apispec", "marshmallow")


@pytest.mark.parametrize(
    "module",
    ["taskapi.store", "taskapi.db", "taskapi.domain.rules", "taskapi.domain.ical", "taskapi.telemetry"],
)
def test_the_inner_rooms_import_no_web_framework(module: str) -> None:
    probe = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    loaded = json.loads(
        subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, check=True).stdout
    )
    assert [name for name in loaded if name.split(".")[0] in WEB] == []
    assert "taskapi.http" not in loaded and "taskapi.resources" not in loaded


def test_the_probe_can_see_a_web_import() -> None:
    probe = "import json, sys, taskapi.app; print(json.dumps(sorted(sys.modules)))"
    loaded = json.loads(
        subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, check=True).stdout
    )
    assert "falcon" in loaded  # the check above would notice one


# passing the environment on to a child process, or completing it for one, is not reading settings
ALLOWED_ENVIRON = {
    "taskapi/config.py": "the one reader",
    "taskapi/__main__.py": "serve completes DATABASE_URL / JWT_SECRET for the gunicorn it becomes",
    "taskapi/devtools/gunicorn.py": "passes the environment to the gunicorn it starts",
}


def test_config_is_the_one_reader_of_the_environment() -> None:
    readers = []
    for path in sorted((ROOT / "taskapi").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text())):
            reads = (isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv")) or (
                isinstance(node, ast.Name) and node.id == "getenv"
            )
            if reads and name not in ALLOWED_ENVIRON:
                readers.append(f"{name}:{node.lineno}")
    assert readers == []
