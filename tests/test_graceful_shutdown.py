"""SIGTERM lets a request in flight finish before the worker exits: through the drain's grace
period and gunicorn's graceful stop after it."""

from __future__ import annotations

import json
import signal
import socket
import time
from urllib.parse import urlsplit

from taskapi.db import migrations
from tests.api import TEST_SECRET, make_token
from tests.live import live_server
from tests.postgres import Database, scratch_database


def test_sigterm_finishes_the_request_in_flight(database: Database) -> None:
    body = json.dumps({"title": "written during shutdown"}).encode()
    head = (
        "POST /api/v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {make_token('shutdown-user')}\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    with scratch_database(database.url) as url:
        migrations.apply(url)
        env = {"DATABASE_URL": url, "JWT_SECRET": TEST_SECRET, "LOG_LEVEL": "WARNING", "DRAIN_SECONDS": "1"}
        with live_server(env) as server:
            address = urlsplit(server.base_url)
            with socket.create_connection((address.hostname, address.port), timeout=20) as conn:
                conn.sendall(head + body[:5])  # a worker is now reading the rest of the body
                time.sleep(0.5)
                server.process.send_signal(signal.SIGTERM)
                time.sleep(2.0)  # the drain is over: the master has told the workers to stop, a while ago
                conn.sendall(body[5:])
                reply = b""
                while chunk := conn.recv(65536):
                    reply += chunk
            assert server.process.wait(timeout=30) == 0

    status_line = reply.split(b"\r\n", 1)[0]
    assert status_line == b"HTTP/1.1 201 Created", reply[:300]
    assert b"written during shutdown" in reply
