"""A real gunicorn serving taskapi on a free loopback port, for tests that need real HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Reply:
    status: int
    headers: Message  # case-insensitive, as HTTP header names are
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class LiveServer:
    base_url: str
    process: subprocess.Popen[bytes]

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float = 10,
    ) -> Reply:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={**({"Content-Type": "application/json"} if data is not None else {}), **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return Reply(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.headers, error.read())


@contextmanager
def live_server(
    env: dict[str, str], command: list[str] | None = None, ready_timeout: float = 30
) -> Iterator[LiveServer]:
    """Start gunicorn (or `command`) with `env` on a free port; stop it gracefully afterwards."""
    port = free_port()
    full_env = {**os.environ, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2", **env}
    command = command or [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "taskapi.app:app"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    server = LiveServer(f"http://127.0.0.1:{port}", process)
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"server exited: {process.stdout.read().decode() if process.stdout else ''}"
                )
            try:
                if server.request("GET", "/health", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not answer /health in time")
            time.sleep(0.1)
        yield server
    finally:
        # the second SIGTERM skips the drain's grace period (taskapi/drain.py): a graceful stop now
        process.send_signal(signal.SIGTERM)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def migrated_database(server_url: str) -> Iterator[str]:
    """A fresh database on the server of `server_url`, migrated, dropped afterwards."""
    from taskapi.db import migrations
    from tests.postgres import scratch_database

    with scratch_database(server_url) as url:
        migrations.apply(url)
        yield url


def app_settings(database_url: str, **env: str) -> dict[str, str]:
    """What live_server needs to serve taskapi on `database_url`; `env` adds or overrides settings
    (the default LOG_LEVEL=WARNING keeps its pipe quiet)."""
    from tests.api import TEST_SECRET

    return {"DATABASE_URL": database_url, "JWT_SECRET": TEST_SECRET, "LOG_LEVEL": "WARNING", **env}


@contextmanager
def live_app(
    server_url: str, route: Callable[[str], str] = lambda url: url, **env: str
) -> Iterator[LiveServer]:
    """gunicorn with this repository's gunicorn.conf.py on a fresh, migrated database of the server
    at `server_url`, reached at `route(its URL)` (e.g. through a pooler); `env` adds or overrides
    settings (see app_settings)."""
    with migrated_database(server_url) as url, live_server(app_settings(route(url), **env)) as live:
        yield live
