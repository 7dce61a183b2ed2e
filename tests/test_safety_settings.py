"""Settings of idempotency and sync: checked at start-up, naming the bad one."""

from __future__ import annotations

import psycopg
import pytest

from taskapi.config import ConfigError, load_config
from taskapi.db.pool import _is_outage

BASE = {"DATABASE_URL": "postgresql://u@localhost/db", "JWT_SECRET": "s" * 32}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name, value in BASE.items():
        monkeypatch.setenv(name, value)
    for name in ("IDEMPOTENCY_KEY_TTL_HOURS", "TOMBSTONE_RETENTION_DAYS", "CURSOR_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults_keep_keys_a_day_and_tombstones_thirty_days(env: pytest.MonkeyPatch) -> None:
    config = load_config()
    assert config.idempotency_key_ttl_hours == 24
    assert config.tombstone_retention_days == 30
    assert config.cursor_secret is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("IDEMPOTENCY_KEY_TTL_HOURS", "23"),  # the API promises clients at least 24 h
        ("IDEMPOTENCY_KEY_TTL_HOURS", "soon"),
        ("TOMBSTONE_RETENTION_DAYS", "0"),
        ("CURSOR_SECRET", "too short"),
    ],
)
def test_a_bad_setting_stops_start_up_naming_it(env: pytest.MonkeyPatch, name: str, value: str) -> None:
    env.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_config()


def test_settings_are_read(env: pytest.MonkeyPatch) -> None:
    env.setenv("IDEMPOTENCY_KEY_TTL_HOURS", "48")
    env.setenv("TOMBSTONE_RETENTION_DAYS", "7")
    env.setenv("CURSOR_SECRET", "c" * 32)
    config = load_config()
    assert (config.idempotency_key_ttl_hours, config.tombstone_retention_days) == (48, 7)
    assert config.cursor_secret == "c" * 32


def test_only_connection_failures_count_as_an_outage() -> None:
    assert _is_outage(psycopg.OperationalError("connection refused"))  # no SQLSTATE: no connection
    assert _is_outage(psycopg.errors.AdminShutdown())
    assert _is_outage(psycopg.errors.ConnectionFailure())
    assert not _is_outage(psycopg.errors.ProgramLimitExceeded())  # a bad request, not an outage
