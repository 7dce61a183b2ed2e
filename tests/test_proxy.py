"""What the shipped nginx config does for requests that reach it, over a real nginx and gunicorn."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator

import pytest

from tests.api import make_token
from tests.live import LiveServer, live_app
from tests.nginx import PLACEHOLDERS, TEMPLATE, nginx_in_front
from tests.postgres import Database
from tests.raw_http import chunked, connection, read_reply, request_head

LIMIT = 4096  # MAX_BODY_BYTES of gunicorn and nginx here


@pytest.fixture(scope="module")
def proxy(database: Database) -> Iterator[LiveServer]:
    with live_app(database.url, MAX_BODY_BYTES=str(LIMIT)) as app, nginx_in_front(app, LIMIT) as nginx:
        yield nginx


def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(f'proxy-{uuid.uuid4()}')}"}


def test_the_template_uses_exactly_the_documented_placeholders() -> None:
    assert set(re.findall(r"\$\{(\w+)\}", TEMPLATE.read_text())) == PLACEHOLDERS


def test_a_chunked_post_through_nginx_creates_the_task(proxy: LiveServer) -> None:
    headers = {**auth(), "Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    with connection(proxy.base_url) as sock:
        sock.sendall(request_head("POST", "/api/v1/tasks", headers) + chunked(b'{"title": ', b'"via nginx"}'))
        reply = read_reply(sock, bytearray())

    assert reply.status == 201, reply.body
    assert json.loads(reply.body)["title"] == "via nginx"


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_body_over_the_limit_is_a_413_problem_from_nginx(proxy: LiveServer, framing: str) -> None:
    user = auth()
    body = b'{"title": "big"' + b" " * LIMIT + b"}"
    extra = (
        {"Content-Length": str(len(body))}
        if framing == "content-length"
        else {"Transfer-Encoding": "chunked"}
    )
    with connection(proxy.base_url) as sock:
        head = request_head("POST", "/api/v1/tasks", {**user, "Content-Type": "application/json", **extra})
        sock.sendall(head + (body if framing == "content-length" else chunked(body)))
        reply = read_reply(sock, bytearray())

    assert reply.status == 413 and reply.headers["content-type"] == "application/problem+json"
    assert "x-request-id" not in reply.headers  # nginx answered: the app sets one on every answer
    assert json.loads(reply.body)["detail"] == f"The body is larger than {LIMIT} bytes."
    assert proxy.request("GET", "/api/v1/tasks", headers=user).json()["total"] == 0


def test_the_clients_request_id_reaches_the_app_and_comes_back(proxy: LiveServer) -> None:
    reply = proxy.request("GET", "/health", headers={"X-Request-ID": "client-chosen-id-42"})

    assert reply.status == 200 and reply.headers["X-Request-ID"] == "client-chosen-id-42"


def test_metrics_are_not_served_through_the_proxy(proxy: LiveServer) -> None:
    assert proxy.request("GET", "/metrics").status == 404


def test_a_header_line_over_8_kib_is_refused_by_nginx(proxy: LiveServer) -> None:
    reply = proxy.request("GET", "/health", headers={"X-Big": "b" * 9000})

    assert reply.status in (400, 431) and reply.headers["Server"] == "nginx"
