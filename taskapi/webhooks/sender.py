"""One webhook POST over the standard library's http.client: the host resolved and checked first,
then connected to by that checked address (a DNS answer cannot change in between), connect and
answer deadlines, no redirects followed, at most MAX_BODY_BYTES of the answer read. A connection
whose answer was read whole and that the receiver keeps open is kept for the next POST to the same
origin (scheme, host, port): a busy subscription does not pay a new connection per event. Every new
connection is resolved and checked again."""

from __future__ import annotations

import contextlib
import http.client
import itertools
import select
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
KEEP_IDLE_SECONDS = 30.0  # an idle connection older than this is closed, not reused
MAX_IDLE_PER_ORIGIN = 8  # idle connections kept per origin (one per delivery thread is the most used)
# what a kept connection the receiver has closed meanwhile fails with before any answer: then the
# POST goes out once more on a new connection
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)

Origin = tuple[str, str, int]


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
        # http.client sends the headers and the body in two writes: without this, on a kept
        # connection the body waits for the receiver's delayed ACK of the headers (about 40 ms)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedTlsConnection(_PinnedConnection):
    default_port = 443
    context = ssl.create_default_context()

    def connect(self) -> None:
        super().connect()
        self.sock = self.context.wrap_socket(self.sock, server_hostname=self.host)


class _Deadlines:
    """One thread that cuts off the answers that ran past their deadline (a timer per POST would
    start a thread per POST, and starting one waits for the interpreter to switch to it)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._watched: dict[int, tuple[float, socket.socket, threading.Event]] = {}
        self._keys = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, sock: socket.socket, seconds: float) -> tuple[int, threading.Event]:
        """Shut `sock` down in `seconds` unless cancelled; the event is set when it was."""
        cut = threading.Event()
        with self._cond:
            key = next(self._keys)
            self._watched[key] = (time.monotonic() + seconds, sock, cut)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="webhook-deadlines", daemon=True)
                self._thread.start()
            if len(self._watched) == 1:  # the thread may be waiting for a first deadline
                self._cond.notify()
        return key, cut

    def cancel(self, key: int) -> None:
        with self._cond:
            self._watched.pop(key, None)

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for key, (at, sock, cut) in list(self._watched.items()):
                    if at <= now:
                        del self._watched[key]
                        _cut(sock, cut)
                soonest = min((at for at, _, _ in self._watched.values()), default=None)
                self._cond.wait(None if soonest is None else soonest - now)


class _IdleConnections:
    """The connections kept open between POSTs, per origin; shared by the delivery threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict[Origin, list[tuple[float, _PinnedConnection]]] = {}

    def take(self, origin: Origin) -> _PinnedConnection | None:
        """The most recently used idle connection to `origin` still worth using, if any."""
        while True:
            with self._lock:
                kept = self._idle.get(origin)
                if not kept:
                    return None
                since, conn = kept.pop()
            if time.monotonic() - since < KEEP_IDLE_SECONDS and not _readable(conn):
                return conn
            conn.close()  # too old, or the receiver closed it (or sent what nobody asked for)

    def give(self, origin: Origin, conn: _PinnedConnection) -> None:
        with self._lock:
            kept = self._idle.setdefault(origin, [])
            if len(kept) < MAX_IDLE_PER_ORIGIN:
                kept.append((time.monotonic(), conn))
                return
        conn.close()

    def close(self) -> None:
        with self._lock:
            kept, self._idle = self._idle, {}
        for conns in kept.values():
            for _, conn in conns:
                conn.close()


def _readable(conn: _PinnedConnection) -> bool:
    """An idle connection with something to read has been closed by the receiver."""
    if conn.sock is None:
        return True
    poll = select.poll()
    poll.register(conn.sock, select.POLLIN)
    return bool(poll.poll(0))


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
        self._idle = _IdleConnections()
        self._deadlines = _Deadlines()

    @property
    def longest_seconds(self) -> float:
        """The most one send takes: connecting, then the whole answer. (A kept connection the
        receiver closed fails at once, as a rule, before the POST goes out on a new one.)"""
        return self.connect_timeout + self.read_timeout

    def close(self) -> None:
        """Close the connections kept open."""
        self._idle.close()

    def send(self, url: str, headers: dict[str, str], body: bytes) -> Answer:
        started = time.monotonic()
        try:
            parts = targets.split(url, self.policy)
            assert parts.hostname is not None
            origin = (parts.scheme, parts.hostname, targets.port_of(parts))
            status, retry_after = self._post(parts, origin, headers, body)
        except targets.TargetRefused as exc:
            return Answer(None, f"refused: {exc}", None, _ms_since(started))
        except (OSError, http.client.HTTPException) as exc:
            return Answer(None, _describe(exc), None, _ms_since(started))
        return Answer(status, None, retry_after, _ms_since(started))

    def _post(
        self, parts: SplitResult, origin: Origin, headers: dict[str, str], body: bytes
    ) -> tuple[int, float | None]:
        """On a kept connection if there is one (on a new one should it turn out closed)."""
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        kept = self._idle.take(origin)
        if kept is not None:
            try:
                return self._exchange(kept, origin, path, headers, body)
            except _STALE:
                pass  # closed by the receiver before it answered: once more, on a new connection
        scheme, host, port = origin
        address = targets.resolve(host, port, self.policy)[0]
        kind = _PinnedTlsConnection if scheme == "https" else _PinnedConnection
        conn = kind(host, port, address, self.connect_timeout)
        try:
            conn.connect()
        except BaseException:
            conn.close()
            raise
        return self._exchange(conn, origin, path, headers, body)

    def _exchange(
        self, conn: _PinnedConnection, origin: Origin, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, float | None]:
        """POST on the connected `conn`, then keep it (when the answer was read whole and the
        receiver keeps it open) or close it."""
        assert conn.sock is not None
        keep = False
        try:
            conn.sock.settimeout(self.read_timeout)
            # the read timeout bounds each read; this bounds the whole answer (a trickle too)
            deadline, cut = self._deadlines.watch(conn.sock, self.read_timeout)
            try:
                all_headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers}
                conn.request("POST", path, body=body, headers=all_headers)
                response = conn.getresponse()
                response.read(MAX_BODY_BYTES)
            except (OSError, http.client.HTTPException):
                if cut.is_set():
                    raise TimeoutError("no whole answer in time") from None
                raise
            finally:
                self._deadlines.cancel(deadline)
            keep = response.isclosed() and not response.will_close and not cut.is_set()
            return response.status, parse_retry_after(response.getheader("Retry-After"))
        finally:
            if keep:
                self._idle.give(origin, conn)
            else:
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
