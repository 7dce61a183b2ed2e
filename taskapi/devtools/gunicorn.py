"""A real gunicorn with the repository's gunicorn.conf.py on a free loopback port, for the test suite
and the benchmark: started, waited for until /health answers, stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
COMMAND = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Gunicorn:
    process: subprocess.Popen[bytes]
    base_url: str
    startup_seconds: float  # from start to the first 200 from /health


@contextmanager
def gunicorn(
    env: Mapping[str, str],
    *,
    app: str = "taskapi.app:app",
    command: list[str] | None = None,
    output: IO[bytes] | int = subprocess.PIPE,
    ready_timeout: float = 30,
) -> Iterator[Gunicorn]:
    """gunicorn serving `app` (or `command`, which must start one) with `env` over the current
    environment, bound to a free port."""
    port = free_port()
    full_env = {**os.environ, "BIND": f"127.0.0.1:{port}", **env}
    started = time.monotonic()
    process = subprocess.Popen(
        command or [*COMMAND, app], cwd=ROOT, env=full_env, stdout=output, stderr=subprocess.STDOUT
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(process, base_url, started + ready_timeout)
        yield Gunicorn(process, base_url, time.monotonic() - started)
    finally:
        # the second SIGTERM skips the drain's grace period (taskapi/drain.py): a graceful stop now
        stop(process, timeout=30, terms=2)


def stop(process: subprocess.Popen[bytes], *, timeout: float, terms: int = 1) -> None:
    """SIGTERM (`terms` times) a process still running, and SIGKILL it if it has not exited
    within `timeout` seconds."""
    if process.poll() is None:
        for _ in range(terms):
            process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_until_ready(process: subprocess.Popen[bytes], base_url: str, deadline: float) -> None:
    while True:
        if process.poll() is not None:
            said = process.stdout.read().decode(errors="replace") if process.stdout else "(see its log)"
            raise RuntimeError(f"gunicorn exited: {said[-3000:]}")
        with suppress(OSError), urllib.request.urlopen(f"{base_url}/health", timeout=2) as reply:
            if reply.status == 200:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"gunicorn did not answer {base_url}/health in time")
        time.sleep(0.05)
