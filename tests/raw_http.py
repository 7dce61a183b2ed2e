"""HTTP/1.1 over a raw socket, for tests about framing and connections that urllib hides."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class RawReply:
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes


def address(base_url: str) -> tuple[str, int]:
    parts = urlsplit(base_url)
    assert parts.hostname and parts.port, base_url
    return parts.hostname, parts.port


@contextmanager
def connection(base_url: str, timeout: float = 10) -> Iterator[socket.socket]:
    """A connected socket whose every read and write gives up after `timeout` seconds."""
    sock = socket.create_connection(address(base_url), timeout=timeout)
    try:
        yield sock
    finally:
        sock.close()


def request_head(method: str, path: str, headers: dict[str, str] | None = None) -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        *(f"{k}: {v}" for k, v in (headers or {}).items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def chunked(*pieces: bytes) -> bytes:
    """`pieces` as a chunked body, with the last chunk and an empty trailer section."""
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"


def read_reply(sock: socket.socket, buffer: bytearray) -> RawReply:
    """One response (with a Content-Length body) from `sock`; bytes after it stay in `buffer`."""
    while b"\r\n\r\n" not in buffer:
        _fill(sock, buffer)
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    buffer[:] = rest
    while len(buffer) < length:
        _fill(sock, buffer)
    body = bytes(buffer[:length])
    del buffer[:length]
    return RawReply(int(status_line.split(" ")[1]), headers, body)


def read_until_closed(sock: socket.socket, buffer: bytearray) -> bytes:
    """Everything the peer sends until it closes (a timeout, if it never does, fails the test)."""
    while True:
        data = sock.recv(65536)
        if not data:
            return bytes(buffer)
        buffer += data


def _fill(sock: socket.socket, buffer: bytearray) -> None:
    data = sock.recv(65536)
    if not data:
        raise ConnectionError(f"closed in the middle of a response: {bytes(buffer)[:200]!r}")
    buffer += data
