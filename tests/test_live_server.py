"""The service as ops run it: `python -m taskapi serve` (migrations, then gunicorn) over real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.api import TEST_SECRET, make_token
from tests.live import ROOT, LiveServer, live_server
from tests.postgres import Database, scratch_database


@pytest.fixture(scope="module")
def server(database: Database) -> Iterator[LiveServer]:
    with scratch_database(database.url) as url:
        env = {"DATABASE_URL": url, "JWT_SECRET": TEST_SECRET, "LOG_LEVEL": "WARNING"}
        with live_server(env, command=[sys.executable, "-m", "taskapi", "serve"]) as live:
            yield live


def test_health_over_http(server: LiveServer) -> None:
    reply = server.request("GET", "/health")

    assert reply.status == 200 and reply.json() == {"status": "ok", "database": "ok"}
    assert reply.headers["X-Request-ID"]


def test_create_read_toggle_delete_over_http(server: LiveServer) -> None:
    auth = {"Authorization": f"Bearer {make_token('live-user')}"}

    created = server.request("POST", "/api/v1/tasks", {"title": "over the wire"}, auth)
    assert created.status == 201 and created.headers["Location"].endswith(created.json()["id"])
    path = created.headers["Location"]
    assert server.request("GET", path, headers=auth).json()["title"] == "over the wire"
    toggled = server.request("POST", path + "/toggle", headers={**auth, "If-Match": '"1"'})
    assert toggled.status == 200 and toggled.json()["task"]["completed"] is True
    assert server.request("DELETE", path, headers=auth).status == 204
    assert server.request("GET", path, headers=auth).status == 404


def test_no_token_over_http_is_401(server: LiveServer) -> None:
    reply = server.request("GET", "/api/v1/tasks")

    assert reply.status == 401 and reply.headers["WWW-Authenticate"].startswith("Bearer")
    assert reply.headers["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"DATABASE_URL": ""}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"JWT_SECRET": "short"}, "JWT_SECRET"),
        ({"JWT_SECRET": "", "JWT_JWKS_URL": ""}, "JWT_SECRET"),
        ({"JWT_JWKS_URL": "ftp://keys"}, "JWT_JWKS_URL"),
        ({"DB_POOL_MAX_SIZE": "lots"}, "DB_POOL_MAX_SIZE"),
        ({"LOG_LEVEL": "CHATTY"}, "LOG_LEVEL"),
        ({"WEB_CONCURRENCY": "0"}, "WEB_CONCURRENCY"),
        ({"PORT": "99999"}, "PORT"),
    ],
)
def test_gunicorn_refuses_a_bad_setting_with_one_line_naming_it(env: dict[str, str], name: str) -> None:
    base = {"DATABASE_URL": "postgresql://u@127.0.0.1:9/db", "JWT_SECRET": TEST_SECRET}
    full_env = {k: v for k, v in {**os.environ, **base, **env}.items() if v != ""}
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "taskapi.app:app"],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode != 0
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("taskapi: configuration error:") and name in lines[0]
    assert "Traceback" not in done.stderr
