"""Request framing over raw sockets to a real gunicorn: chunked bodies are read, bounded, and a
malformed one gets exactly one answer."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest

from tests.api import Api, make_token
from tests.live import LiveServer, live_app
from tests.postgres import Database
from tests.raw_http import chunked, connection, read_reply, read_until_closed, request_head

LIMIT = 4096  # MAX_BODY_BYTES of this module's server (the smallest config.py allows is 1024)


@pytest.fixture(scope="module")
def server(database: Database) -> Iterator[LiveServer]:
    with live_app(database.url, MAX_BODY_BYTES=str(LIMIT)) as live:
        yield live


def auth_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(f'framing-{uuid.uuid4()}')}"}


def chunked_post(headers: dict[str, str]) -> bytes:
    return request_head(
        "POST",
        "/api/v1/tasks",
        {**headers, "Content-Type": "application/json", "Transfer-Encoding": "chunked"},
    )


def task_count(server: LiveServer, headers: dict[str, str]) -> int:
    return int(server.request("GET", "/api/v1/tasks", headers=headers).json()["total"])


def test_a_chunked_json_post_creates_the_task_and_the_next_request_gets_its_own_answer(
    server: LiveServer,
) -> None:
    auth = auth_headers()
    with connection(server.base_url) as sock:
        body = chunked(b'{"title": "sent', b" in three", b' chunks"}')
        sock.sendall(chunked_post(auth) + body + request_head("GET", "/api/v1/tasks", auth))
        buffer = bytearray()
        created = read_reply(sock, buffer)
        listed = read_reply(sock, buffer)

    assert created.status == 201, created.body
    assert json.loads(created.body)["title"] == "sent in three chunks"
    assert listed.status == 200 and json.loads(listed.body)["items"][0]["title"] == "sent in three chunks"


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/api/v1/tasks"), ("GET", "/health"), ("GET", "/no/such/route")],
)
def test_a_malformed_chunked_body_gets_exactly_one_answer_then_the_connection_closes(
    server: LiveServer, method: str, path: str
) -> None:
    auth = auth_headers()
    head = request_head(
        method, path, {**auth, "Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    )
    with connection(server.base_url) as sock:
        # a bad chunk size, then a pipelined request that must not be read as part of this one
        sock.sendall(head + b"zz\r\n{}\r\n0\r\n\r\n" + request_head("GET", "/health"))
        buffer = bytearray()
        reply = read_reply(sock, buffer)
        rest = read_until_closed(sock, buffer)

    assert reply.status == 400 and reply.headers["content-type"] == "application/problem+json"
    assert "chunked encoding is malformed" in json.loads(reply.body)["errors"]["body"][0]
    assert rest == b""  # no second answer, to this request or to the bytes after it
    assert task_count(server, auth) == 0


def test_a_chunked_body_over_the_limit_is_413_before_the_client_has_finished_sending(
    server: LiveServer,
) -> None:
    auth = auth_headers()
    piece = b" " * 1024
    with connection(server.base_url) as sock:
        # twice the limit, and no last chunk: the answer cannot wait for the end of the body
        sock.sendall(
            chunked_post(auth) + b"".join(b"400\r\n%s\r\n" % piece for _ in range(2 * LIMIT // 1024))
        )
        reply = read_reply(sock, bytearray())

    assert reply.status == 413 and f"larger than {LIMIT} bytes" in json.loads(reply.body)["detail"]
    assert task_count(server, auth) == 0


def test_a_chunked_body_of_exactly_the_limit_is_read_whole(server: LiveServer) -> None:
    auth = auth_headers()
    prefix, suffix = b'{"title": "at the limit"', b"}"
    padding = b" " * (LIMIT - len(prefix) - len(suffix))  # JSON whitespace: the body is LIMIT bytes
    with connection(server.base_url) as sock:
        sock.sendall(chunked_post(auth) + chunked(prefix, padding[:1000], padding[1000:], suffix))
        reply = read_reply(sock, bytearray())

    assert reply.status == 201, reply.body
    assert json.loads(reply.body)["title"] == "at the limit"


def test_a_declared_body_over_the_limit_is_413_without_being_read(server: LiveServer) -> None:
    auth = auth_headers()
    head = request_head(
        "POST",
        "/api/v1/tasks",
        {**auth, "Content-Type": "application/json", "Content-Length": str(LIMIT + 1)},
    )
    with connection(server.base_url) as sock:
        sock.sendall(head)  # the body is never sent: the answer must not wait for it
        reply = read_reply(sock, bytearray())

    assert reply.status == 413
    assert task_count(server, auth) == 0


def test_a_server_that_cannot_end_a_chunked_body_answers_411(alice: Api) -> None:
    # falcon.testing, unlike gunicorn, does not mark its input as ending with the body
    result = alice.request(
        "POST",
        "/api/v1/tasks",
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
    )

    assert result.status_code == 411 and result.json["status"] == 411
