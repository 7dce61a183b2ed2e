"""A real gunicorn serving taskapi on a free loopback port, for tests that need real HTTP."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from typing import Any

from taskapi.devtools.gunicorn import ROOT, free_port, gunicorn

__all__ = ["ROOT", "LiveServer", "Reply", "free_port", "live_app", "live_server"]


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
    with gunicorn({"WEB_CONCURRENCY": "2", **env}, command=command, ready_timeout=ready_timeout) as served:
        yield LiveServer(served.base_url, served.process)


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
