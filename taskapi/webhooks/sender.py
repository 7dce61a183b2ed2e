"""One webhook POST over the standard library's http.client: the host resolved and checked first,
then connected to by that checked address (a DNS answer cannot change in between), connect and
answer deadlines, no redirects followed, at most MAX_BODY_BYTES of the answer read."""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import SplitResult

from standardwebhooks import Webhook

from taskapi.webhooks import targets
from taskapi.webhooks.backoff import parse_retry_after

MAX_BODY_BYTES = 64 * 1024  # what a receiver says back is not kept: read a little, then hang up
USER_AGENT = "taskapi-webhooks/1"


@dataclass(frozen=True)
class Answer:
    """What came back: a status (and Retry-After), or why nothing did."""

    status_code: int | None
    error: str | None
    retry_after: float | None
    duration_ms: int


class _PinnedConnection(http.client.HTTPConnection):
    """HTTP to `address`, whatever the host name now resolves to; the Host header keeps the name."""

    def __init__(self, host: str, port: int, address: str, connect_timeout: float) -> None:
        super().__init__(host, port, timeout=connect_timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedTlsConnection(_PinnedConnection):
    default_port = 443
    context = ssl.create_default_context()

    def connect(self) -> None:
        super().connect()
        self.sock = self.context.wrap_socket(self.sock, server_hostname=self.host)


def signed_headers(secret: str, event_id: str, body: bytes, now: datetime | None = None) -> dict[str, str]:
    """The Standard Webhooks headers: webhook-id, webhook-timestamp, webhook-signature (v1)."""
    timestamp = now or datetime.now(UTC)
    signature = Webhook(secret).sign(event_id, timestamp, body.decode())
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature,
    }


class Sender:
    def __init__(self, policy: targets.TargetPolicy, connect_timeout: float, read_timeout: float) -> None:
        self.policy = policy
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout

    @property
    def longest_seconds(self) -> float:
        """The most one send takes: connecting, then the whole answer."""
        return self.connect_timeout + self.read_timeout

    def send(self, url: str, headers: dict[str, str], body: bytes) -> Answer:
        started = time.monotonic()
        try:
            parts = targets.split(url, self.policy)
            assert parts.hostname is not None
            port = targets.port_of(parts)
            address = targets.resolve(parts.hostname, port, self.policy)[0]
            status, retry_after = self._post(parts, port, address, headers, body)
        except targets.TargetRefused as exc:
            return Answer(None, f"refused: {exc}", None, _ms_since(started))
        except (OSError, http.client.HTTPException) as exc:
            return Answer(None, _describe(exc), None, _ms_since(started))
        return Answer(status, None, retry_after, _ms_since(started))

    def _post(
        self, parts: SplitResult, port: int, address: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, float | None]:
        kind = _PinnedTlsConnection if parts.scheme == "https" else _PinnedConnection
        assert parts.hostname is not None
        conn = kind(parts.hostname, port, address, self.connect_timeout)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            conn.connect()
            assert conn.sock is not None
            conn.sock.settimeout(self.read_timeout)
            # the read timeout bounds each read; this bounds the whole answer (a trickle too)
            cut = threading.Event()
            deadline = threading.Timer(self.read_timeout, _cut, (conn.sock, cut))
            deadline.start()
            try:
                all_headers = {
                    "Content-Type": "application/json",
                    "User-Agent": USER_AGENT,
                    **headers,
                }
                conn.request("POST", path, body=body, headers=all_headers)
                response = conn.getresponse()
                response.read(MAX_BODY_BYTES)
            except (OSError, http.client.HTTPException):
                if cut.is_set():
                    raise TimeoutError("no whole answer in time") from None
                raise
            finally:
                deadline.cancel()
            return response.status, parse_retry_after(response.getheader("Retry-After"))
        finally:
            conn.close()


def _cut(sock: socket.socket, cut: threading.Event) -> None:
    cut.set()
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
