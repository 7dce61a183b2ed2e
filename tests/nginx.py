"""A real nginx on a free loopback port, configured from docs/deploy/nginx.conf, for tests."""

from __future__ import annotations

import os
import shutil
import string
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from taskapi.devtools.gunicorn import stop
from tests.live import ROOT, LiveServer, free_port
from tests.raw_http import address

TEMPLATE = ROOT / "docs" / "deploy" / "nginx.conf"
PLACEHOLDERS = {"TASKAPI_LISTEN", "TASKAPI_UPSTREAM", "MAX_BODY_BYTES"}
# What the official image's main nginx.conf holds around conf.d/, with every path in `prefix`.
MAIN_CONF = """\
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
{user}
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/taskapi.conf;
}}
"""


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None)
    if found is None:
        pytest.fail("nginx is not installed: run scripts/system-packages test (or apt-get install nginx)")
    return found


def render(values: dict[str, str]) -> str:
    """The template with its placeholders filled, as envsubst fills them (nginx's own $vars stay)."""
    assert set(values) == PLACEHOLDERS, set(values) ^ PLACEHOLDERS
    return string.Template(TEMPLATE.read_text()).safe_substitute(values)


@contextmanager
def nginx_in_front(
    upstream: LiveServer, max_body_bytes: int, ready_timeout: float = 15
) -> Iterator[LiveServer]:
    """nginx proxying to `upstream` with the shipped template; stopped (and its files removed) after."""
    host, port = address(upstream.base_url)
    listen = free_port()
    with tempfile.TemporaryDirectory(prefix="taskapi-nginx-") as prefix:
        # as root, nginx runs its workers as `nobody`, who must reach the temp paths in here
        os.chmod(prefix, 0o755)
        user = "user nobody nogroup;" if os.geteuid() == 0 else ""
        rendered = render(
            {
                "TASKAPI_LISTEN": f"127.0.0.1:{listen}",
                "TASKAPI_UPSTREAM": f"{host}:{port}",
                "MAX_BODY_BYTES": str(max_body_bytes),
            }
        )
        Path(prefix, "taskapi.conf").write_text(rendered)
        Path(prefix, "nginx.conf").write_text(MAIN_CONF.format(prefix=prefix, user=user))
        command = [nginx_binary(), "-p", prefix, "-c", f"{prefix}/nginx.conf"]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        proxy = LiveServer(f"http://127.0.0.1:{listen}", process)
        try:
            _wait_until_ready(proxy, Path(prefix, "error.log"), ready_timeout)
            yield proxy
        finally:
            stop(process, timeout=10)  # SIGTERM: nginx's fast shutdown


def _wait_until_ready(proxy: LiveServer, error_log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proxy.process.poll() is not None:
            output = proxy.process.stdout.read().decode() if proxy.process.stdout else ""
            log = error_log.read_text() if error_log.exists() else ""
            raise RuntimeError(f"nginx exited: {output}{log}")
        try:
            if proxy.request("GET", "/health", timeout=2).status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("nginx did not answer /health in time")
        time.sleep(0.1)
