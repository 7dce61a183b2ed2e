"""A real HAProxy on a free loopback port balancing over live servers, health-checking GET /health."""

from __future__ import annotations

import csv
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tests.live import free_port

HAPROXY = "/usr/sbin/haproxy"
# what a load balancer in front of taskapi is told to do (docs/deploy.md): the readiness check
# every 200 ms, out after 2 failures, back after 2 successes
CONFIG = """\
global
    stats socket {folder}/admin.sock mode 600 level admin
defaults
    mode http
    timeout connect 2s
    timeout client 20s
    timeout server 20s
    option redispatch
frontend api
    bind 127.0.0.1:{port}
    default_backend taskapi
backend taskapi
    balance roundrobin
    option httpchk GET /health
    http-check expect status 200
    default-server check inter 200ms fall 2 rise 2
    http-response set-header X-Served-By %[srv_name]
{servers}
"""


@dataclass
class HAProxy:
    port: int
    folder: Path

    def server_states(self) -> dict[str, str]:
        """Each backend server's status as HAProxy sees it now (UP, DOWN, ...)."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(self.folder / "admin.sock"))
            sock.sendall(b"show stat\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        rows = csv.DictReader(data.decode().lstrip("# ").splitlines())
        return {row["svname"]: row["status"] for row in rows if row["pxname"] == "taskapi"}

    def wait_until(self, states: dict[str, str], limit: float = 15) -> None:
        deadline = time.monotonic() + limit
        while (seen := self.server_states()) != {**seen, **states}:
            if time.monotonic() > deadline:
                raise AssertionError(f"HAProxy servers are {seen}, expected {states}")
            time.sleep(0.05)


@contextmanager
def haproxy(backends: dict[str, str]) -> Iterator[HAProxy]:
    """HAProxy in front of `backends` (server name -> http://127.0.0.1:port), all of them UP."""
    if not Path(HAPROXY).is_file():
        raise AssertionError(f"{HAPROXY} not found: install haproxy (scripts/system-packages test)")
    folder = Path(tempfile.mkdtemp(prefix="taskapi-haproxy-"))
    port = free_port()
    servers = "\n".join(f"    server {name} {urlsplit(url).netloc}" for name, url in backends.items())
    (folder / "haproxy.cfg").write_text(CONFIG.format(folder=folder, port=port, servers=servers))
    with (folder / "haproxy.log").open("wb") as log:
        process = subprocess.Popen(
            [HAPROXY, "-db", "-f", str(folder / "haproxy.cfg")], stdout=log, stderr=subprocess.STDOUT
        )
    proxy = HAProxy(port, folder)
    try:
        deadline = time.monotonic() + 10
        while not (folder / "admin.sock").exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("haproxy did not start:\n" + (folder / "haproxy.log").read_text())
            time.sleep(0.05)
        proxy.wait_until(dict.fromkeys(backends, "UP"))
        yield proxy
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)
