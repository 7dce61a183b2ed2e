"""The operations settings: HSTS_SECONDS, METRICS_ENABLED, and a pool sized to the threads."""

from __future__ import annotations

import pytest

from taskapi.config import ConfigError, load_config

BASE = {"DATABASE_URL": "postgresql://u@127.0.0.1/db", "JWT_SECRET": "s" * 40}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("HSTS_SECONDS", "METRICS_ENABLED", "WEB_THREADS", "DB_POOL_MAX_SIZE", "DB_POOL_MIN_SIZE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in BASE.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_defaults_are_no_hsts_no_metrics_and_one_connection_per_thread(env: pytest.MonkeyPatch) -> None:
    env.setenv("WEB_THREADS", "6")

    config = load_config()

    assert (config.hsts_seconds, config.metrics_enabled) == (0, False)
    assert config.db_pool_max_size == config.threads == 6


def test_an_explicit_pool_size_wins_over_the_thread_count(env: pytest.MonkeyPatch) -> None:
    env.setenv("WEB_THREADS", "6")
    env.setenv("DB_POOL_MAX_SIZE", "3")

    assert load_config().db_pool_max_size == 3


def test_hsts_and_metrics_are_read(env: pytest.MonkeyPatch) -> None:
    env.setenv("HSTS_SECONDS", "31536000")
    env.setenv("METRICS_ENABLED", "true")

    config = load_config()

    assert (config.hsts_seconds, config.metrics_enabled) == (31536000, True)


@pytest.mark.parametrize(
    ("name", "value"), [("HSTS_SECONDS", "-1"), ("HSTS_SECONDS", "soon"), ("METRICS_ENABLED", "maybe")]
)
def test_bad_values_name_the_setting(env: pytest.MonkeyPatch, name: str, value: str) -> None:
    env.setenv(name, value)

    with pytest.raises(ConfigError, match=name):
        load_config()
