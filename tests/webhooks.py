"""What the webhook tests share: a recording HTTP receiver on 127.0.0.1 that answers as told, real
`python -m taskapi deliver` processes, and the app allowed to subscribe loopback http URLs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, Any

import falcon.testing

from taskapi.app import TaskApp, create_app
from taskapi.config import Config
from taskapi.devtools.gunicorn import stop
from tests.api import TEST_SECRET, Api
from tests.live import ROOT, free_port

# what the worker runs with in tests: loopback receivers, quick retries, short timeouts
WORKER_ENV = {
    "WEBHOOK_ALLOW_HTTP": "true",
    "WEBHOOK_ALLOW_PRIVATE": "true",
    "WEBHOOK_RETRY_BASE_SECONDS": "0.2",
    "WEBHOOK_CONNECT_TIMEOUT_SECONDS": "0.5",
    "WEBHOOK_READ_TIMEOUT_SECONDS": "1",
    "WEBHOOK_POLL_SECONDS": "0.2",
    "LOG_LEVEL": "WARNING",
}


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() when it arrived
    peer_port: int = 0  # the sender's port: one per connection


# what the receiver answers: a status, and optionally headers and a delay before answering
Reply = tuple[int, dict[str, str], float]


@dataclass
class Receiver:
    """A threaded http.server that records every POST and answers with `answer(request)`; over
    HTTP/1.0 it closes each connection after its answer, over HTTP/1.1 it keeps it open, unless
    `drop_after_answer` (then it closes it without saying so, as an idle timeout would)."""

    port: int = field(default_factory=free_port)
    answer: Callable[[Received], Reply] = lambda _: (200, {}, 0.0)
    protocol: str = "HTTP/1.0"
    drop_after_answer: bool = False
    received: list[Received] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = receiver.protocol

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                got = Received(self.path, headers, body, time.monotonic(), self.client_address[1])
                receiver.received.append(got)
                status, headers, delay = receiver.answer(got)
                time.sleep(delay)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
                if receiver.drop_after_answer:
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wait_for(self, count: int, timeout: float = 15) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"{len(self.received)} of {count} webhooks arrived"
            time.sleep(0.02)
        return list(self.received)


@contextmanager
def receiver(
    answer: Callable[[Received], Reply] | None = None, *, started: bool = True, **options: Any
) -> Iterator[Receiver]:
    got = Receiver(answer=answer, **options) if answer else Receiver(**options)
    if started:
        got.start()
    try:
        yield got
    finally:
        got.stop()


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    log: IO[bytes]

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")


@contextmanager
def worker_process(database_url: str, **env: str) -> Iterator[WorkerProcess]:
    """`python -m taskapi deliver` on `database_url`; stopped with SIGTERM (then killed) afterwards."""
    full_env = {**os.environ, **WORKER_ENV, "DATABASE_URL": database_url, **env}
    full_env.pop("JWT_SECRET", None)  # a worker needs no token settings
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed after the process, below
    process = subprocess.Popen(
        [sys.executable, "-m", "taskapi", "deliver"], cwd=ROOT, env=full_env, stderr=log
    )
    try:
        yield WorkerProcess(process, log)
    finally:
        stop(process, timeout=15)
        log.close()


def hook_app(database_url: str, *, prepared_statements: bool = True) -> TaskApp:
    """The app on `database_url`, allowed to subscribe plain http loopback receivers."""
    config = Config(
        database_url=database_url,
        jwt_secret=TEST_SECRET,
        db_pool_max_size=4,
        db_prepared_statements=prepared_statements,
        webhook_allow_http=True,
        webhook_allow_private=True,
    )
    return create_app(config)


def subscribe(api: Api, url: str, events: list[str] | None = None) -> dict[str, Any]:
    created = api.request("POST", "/api/v1/webhooks", json={"url": url, "events": events or ["*"]})
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json
    return body


def user_api(app: TaskApp, user_id: str) -> Api:
    return Api(falcon.testing.TestClient(app), user_id)


def wait_for_log(
    api: Api, subscription_id: str, done: Callable[[list[dict[str, Any]]], bool], timeout: float = 15
) -> list[dict[str, Any]]:
    """The subscription's delivery log (newest first) once `done(log)` holds."""
    deadline = time.monotonic() + timeout
    while True:
        log = api.request("GET", f"/api/v1/webhooks/{subscription_id}/deliveries").json["items"]
        if done(log):
            return list(log)
        assert time.monotonic() < deadline, f"the log never got there: {log}"
        time.sleep(0.05)
