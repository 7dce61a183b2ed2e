"""Logs from a real gunicorn: every line JSON (gunicorn's own too), one per request with its ids,
one per server-side error, and never a token or a body."""

from __future__ import annotations

import json
import logging

import pytest

from taskapi.app import TaskApp
from taskapi.db import migrations
from tests.api import TEST_SECRET, Api, make_token
from tests.live import live_server
from tests.postgres import Database, scratch_database

BODY_MARKER = "body-marker-5f1c9e"


def test_request_lines_carry_ids_and_never_the_token_or_body(database: Database) -> None:
    token = make_token("log-user")
    with scratch_database(database.url) as url:
        migrations.apply(url)
        env = {"DATABASE_URL": url, "JWT_SECRET": TEST_SECRET, "LOG_LEVEL": "INFO"}
        with live_server(env) as server:
            auth = {"Authorization": f"Bearer {token}", "X-Request-ID": "trace-42"}
            assert server.request("POST", "/api/v1/tasks", {"title": BODY_MARKER}, auth).status == 201
            bad = {"Authorization": f"Bearer {token}x"}
            assert server.request("PATCH", "/api/v1/tasks", {"title": BODY_MARKER}, bad).status == 401
            process = server.process
        output = process.stdout.read().decode() if process.stdout else ""

    lines = [json.loads(line) for line in output.splitlines()]  # fails on any non-JSON line
    assert token not in output and token.split(".")[2] not in output
    assert BODY_MARKER not in output
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["message"] for line in lines)
    created = [line for line in lines if line.get("request_id") == "trace-42"]
    assert len(created) == 1
    assert created[0]["user_id"] == "log-user" and created[0]["status"] == 201
    assert created[0]["route"] == "/api/v1/tasks" and created[0]["level"] == "INFO"
    assert {line["status"] for line in lines if line.get("method") == "PATCH"} == {401}


def test_a_crash_logs_one_error_line_with_ids(
    app: TaskApp, alice: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    task = alice.create()
    monkeypatch.setattr(app._router.find(f"/api/v1/tasks/{task['id']}")[0].store, "get", explode)
    with caplog.at_level(logging.ERROR, logger="taskapi.http.errors"):
        result = alice.request("GET", f"/api/v1/tasks/{task['id']}", headers={"X-Request-ID": "crash-1"})

    assert result.status_code == 500 and "crash-1" in result.json["detail"]
    (record,) = caplog.records
    assert record.request_id == "crash-1" and record.user_id == alice.user_id  # type: ignore[attr-defined]
    assert alice.token not in caplog.text
