"""schemathesis against the live server (gunicorn, two workers, a real database, a valid token):
every check on: no 5xx, every response matches the documented status codes, headers and schemas,
schema-invalid requests are refused and schema-valid ones accepted (tests/schemathesis.toml says
which state-dependent refusals are allowed; tests/schemathesis_hooks.py leaves out the requests
that break a cross-field rule the document states in words).

Bounded: SCHEMATHESIS_MAX_EXAMPLES per operation (default 30), about 35 s here. The seed is fixed
so CI is repeatable; set SCHEMATHESIS_SEED to explore other inputs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api import make_token
from tests.live import LiveServer, live_app
from tests.postgres import Database

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
# which checks run and what they accept, with the reasons
CONFIG = Path(__file__).resolve().parent / "schemathesis.toml"
HOOKS = Path(__file__).resolve().parent / "schemathesis_hooks.py"


@pytest.fixture(scope="module")
def server(database: Database) -> Iterator[LiveServer]:
    with live_app(database.url, METRICS_ENABLED="true", CORS_ORIGINS="https://app.example.com") as live:
        yield live


def test_schemathesis_finds_no_failures(server: LiveServer, tmp_path: Path) -> None:
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(CONFIG),
        "run",
        f"{server.base_url}/openapi.json",
        "--header",
        f"Authorization: Bearer {make_token('schemathesis-user')}",
        "--max-examples",
        os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "30"),
        "--seed",
        os.environ.get("SCHEMATHESIS_SEED", "1"),
        # one: hypothesis parses lambdas with ast in each thread, and CPython 3.11.7's parser is not
        # thread-safe ("AST constructor recursion depth mismatch", fixed in later 3.11/3.12)
        "--workers",
        "1",
        "--request-timeout",
        "10",
        "--max-failures",
        "20",
        "--no-color",
    ]
    # its cache and reports go to tmp_path, not the working tree
    environment = {**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS)}
    result = subprocess.run(
        command, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=300, check=False
    )

    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    assert "generated" in result.stdout
