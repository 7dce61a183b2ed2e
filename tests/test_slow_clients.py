"""Slow clients cannot starve gunicorn behind the shipped nginx config, and do starve it without."""

from __future__ import annotations

import select
import socket
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType

import pytest

from tests.api import make_token
from tests.live import LiveServer, live_app
from tests.nginx import nginx_in_front
from tests.postgres import Database
from tests.raw_http import address, request_head

LIMIT = 1024 * 1024  # MAX_BODY_BYTES, the default, given to gunicorn and nginx alike
SLOW_CLIENTS = 48  # six times gunicorn's 2 workers x 4 threads
TICK = 0.25  # seconds between two bytes of every slow client


@pytest.fixture(scope="module")
def app_server(database: Database) -> Iterator[LiveServer]:
    with live_app(database.url, MAX_BODY_BYTES=str(LIMIT)) as live:
        yield live


@pytest.fixture(scope="module")
def proxy(app_server: LiveServer) -> Iterator[LiveServer]:
    with nginx_in_front(app_server, LIMIT) as nginx:
        yield nginx


def slow_payloads(count: int) -> list[bytes]:
    """Half trickle a request header, half a complete header and then a declared body; none
    finishes within the test (each has a minute of bytes left at one per TICK)."""
    header = request_head("GET", "/health", {"X-Padding": "p" * 300})
    auth = {"Authorization": f"Bearer {make_token('slow-client')}"}
    body = b'{"title": "slow"' + b" " * 300 + b"}"
    head = request_head(
        "POST",
        "/api/v1/tasks",
        {**auth, "Content-Type": "application/json", "Content-Length": str(len(body))},
    )
    return [header if n % 2 == 0 else head + body for n in range(count)]


class SlowClients:
    """Sockets that send their request a byte at a time, from one thread, until the block ends."""

    def __init__(self, base_url: str, count: int) -> None:
        self.payloads = slow_payloads(count)
        self.base_url = base_url
        self.sockets: list[socket.socket] = []
        self.sent = [0] * count
        self.errors: list[str] = []
        self.rounds = 0
        self.two_rounds_sent = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)

    def __enter__(self) -> SlowClients:
        for n, payload in enumerate(self.payloads):
            sock = socket.create_connection(address(self.base_url), timeout=5)
            self.sockets.append(sock)
            # a body client sends its whole header at once: only its body trickles
            self.sent[n] = payload.index(b"\r\n\r\n") + 4 if payload.startswith(b"POST") else 1
            sock.sendall(payload[: self.sent[n]])
        self.thread.start()
        return self

    def _trickle(self) -> None:
        while not self.stop.wait(TICK):
            for n, sock in enumerate(self.sockets):
                if self.sent[n] < len(self.payloads[n]):
                    try:
                        sock.sendall(self.payloads[n][self.sent[n] : self.sent[n] + 1])
                        self.sent[n] += 1
                    except OSError as error:
                        self.errors.append(f"client {n}: {error}")
            self.rounds += 1
            if self.rounds >= 2:
                self.two_rounds_sent.set()

    def still_waiting(self) -> int:
        """How many have neither an answer nor a closed connection: the server is still reading them."""
        readable, _, _ = select.select(self.sockets, [], [], 0)
        return len(self.sockets) - len(readable)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        for sock in self.sockets:
            sock.close()
        assert not self.thread.is_alive()


def normal_requests(server: LiveServer, count: int, timeout: float) -> list[int | str]:
    """`count` ordinary requests at once (health, the document, a user's create and listing):
    each one's status, or the error that ended it."""
    auth = {"Authorization": f"Bearer {make_token(f'normal-{uuid.uuid4()}')}"}
    calls = [
        ("GET", "/health", None),
        ("GET", "/openapi.json", None),
        ("POST", "/api/v1/tasks", {"title": "served meanwhile"}),
        ("GET", "/api/v1/tasks", None),
    ]

    def one(n: int) -> int | str:
        method, path, body = calls[n % len(calls)]
        try:
            return server.request(method, path, body, auth, timeout=timeout).status
        except OSError as error:  # urllib's URLError and socket timeouts are both OSErrors
            return f"{type(error).__name__}: {error}"

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def test_behind_nginx_slow_clients_do_not_delay_anyone_else(proxy: LiveServer) -> None:
    with SlowClients(proxy.base_url, SLOW_CLIENTS) as slow:
        assert slow.two_rounds_sent.wait(timeout=10)
        outcomes = normal_requests(proxy, 20, timeout=10)
        waiting = slow.still_waiting()

    assert outcomes == [200, 200, 201, 200] * 5
    # contention was real: every slow client was still being read while the others were served
    assert waiting == SLOW_CLIENTS and slow.errors == []


def test_without_nginx_the_same_slow_clients_starve_gunicorn(app_server: LiveServer) -> None:
    with SlowClients(app_server.base_url, SLOW_CLIENTS) as slow:
        assert slow.two_rounds_sent.wait(timeout=10)
        outcomes = normal_requests(app_server, 8, timeout=3)
        waiting = slow.still_waiting()

    # every thread is stuck reading a slow client, so no ordinary request is even started
    assert all(isinstance(outcome, str) and "timed out" in outcome for outcome in outcomes), outcomes
    assert waiting == SLOW_CLIENTS and slow.errors == []
