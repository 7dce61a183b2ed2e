"""Settings: the only reader of the environment; a bad value stops start-up naming the setting."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from environs import Env, EnvError
from marshmallow.validate import Range


class ConfigError(Exception):
    """A setting is missing or invalid; str(e) starts with its name."""


@dataclass(frozen=True)
class Config:
    database_url: str
    jwt_secret: str | None = None
    jwt_jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_leeway_seconds: float = 30.0
    cors_origins: tuple[str, ...] = ()
    log_level: str = "INFO"
    db_pool_min_size: int = 1
    db_pool_max_size: int = 8
    db_pool_timeout: float = 2.0
    db_statement_timeout_ms: int = 5000
    db_prepared_statements: bool = True
    max_body_bytes: int = 1024 * 1024
    bind: str = "127.0.0.1:8000"
    workers: int = 2
    threads: int = 4
    max_requests: int = 0
    hsts_seconds: int = 0
    metrics_enabled: bool = False
    # gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR: each worker writes its samples to files there
    metrics_multiprocess: bool = False
    # SIGTERM: /health answers 503 "draining" this long, while requests are still served, before
    # gunicorn stops accepting; longer than the load balancer's check interval x fall count
    drain_seconds: float = 5.0
    # /health reports the database unavailable only once its pings have failed this long
    health_db_window_seconds: float = 3.0
    # how long a stored Idempotency-Key answer is replayed (the API promises at least 24 h)
    idempotency_key_ttl_hours: float = 24.0
    # how long tombstones are kept, and so how old a sync cursor may be
    tombstone_retention_days: float = 30.0
    # signs listing and sync cursors; unset: derived from JWT_SECRET (see taskapi/cursors/signer.py)
    cursor_secret: str | None = None
    # the most tasks one user may keep (completed ones count too); a create beyond it is 409
    max_tasks_per_user: int = 100_000
    # the most lists one user may keep, the Inbox included; a create beyond it is 409
    max_lists_per_user: int = 1_000
    # webhooks: plain http and private/loopback/link-local targets only where the operator allows
    webhook_allow_http: bool = False
    webhook_allow_private: bool = False
    # the first retry after this many seconds, then doubling (with jitter), for WEBHOOK_RETRY_HOURS
    webhook_retry_base_seconds: float = 10.0
    webhook_retry_hours: float = 24.0
    webhook_connect_timeout_seconds: float = 5.0
    # the whole answer (status, headers, the body read up to a cap) must come within this
    webhook_read_timeout_seconds: float = 10.0
    # delivery attempts (and delivered events) are purged after this many days
    webhook_log_retention_days: float = 7.0
    # deliveries one worker process makes at once (a slow receiver holds one of them)
    webhook_worker_threads: int = 4
    # the longest a worker sleeps without a notification (it also wakes for retries it scheduled)
    webhook_poll_seconds: float = 5.0


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def load_config(*, verifies_tokens: bool = True) -> Config:
    """Read and check every setting; raise ConfigError naming the first bad one. The delivery
    worker (`verifies_tokens=False`) needs no token settings."""
    env = Env(expand_vars=False)
    try:
        database_url = env.str("DATABASE_URL")
        if not database_url.startswith(("postgresql://", "postgres://")):
            raise ConfigError("DATABASE_URL: must be a postgresql:// URL")
        if (level := env.str("LOG_LEVEL", "INFO").upper()) not in LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL: must be one of {', '.join(LOG_LEVELS)} (got {level!r})")
        return Config(
            database_url=database_url,
            log_level=level,
            **_token_settings(env, verifies_tokens),
            **_server_settings(env),
            cors_origins=tuple(
                origin.rstrip("/") for origin in env.list("CORS_ORIGINS", [], subcast=str) if origin
            ),
            max_body_bytes=env.int("MAX_BODY_BYTES", 1024 * 1024, validate=Range(1024, 64 * 1024 * 1024)),
            hsts_seconds=env.int("HSTS_SECONDS", 0, validate=Range(0, 2 * 365 * 86400)),
            metrics_enabled=env.bool("METRICS_ENABLED", False),
            metrics_multiprocess=bool(env.str("PROMETHEUS_MULTIPROC_DIR", "")),
            idempotency_key_ttl_hours=env.float(
                "IDEMPOTENCY_KEY_TTL_HOURS", 24.0, validate=Range(24, 24 * 365)
            ),
            tombstone_retention_days=env.float("TOMBSTONE_RETENTION_DAYS", 30.0, validate=Range(1, 3650)),
            max_tasks_per_user=env.int("MAX_TASKS_PER_USER", 100_000, validate=Range(1, 100_000_000)),
            max_lists_per_user=env.int("MAX_LISTS_PER_USER", 1_000, validate=Range(1, 100_000)),
            **_webhook_settings(env),
        )
    except EnvError as exc:
        # environs says 'Environment variable "X" invalid: [...]': keep it to one line
        raise ConfigError(" ".join(str(exc).split())) from None


def _token_settings(env: Env, verifies_tokens: bool) -> dict[str, Any]:
    secret = env.str("JWT_SECRET", "") or None
    jwks_url = env.str("JWT_JWKS_URL", "") or None
    if secret is None and jwks_url is None and verifies_tokens:
        raise ConfigError("JWT_SECRET: set JWT_SECRET or JWT_JWKS_URL (or both)")
    if secret is not None and len(secret) < 32:
        raise ConfigError("JWT_SECRET: must be at least 32 characters (HS256 needs a 256-bit secret)")
    if jwks_url is not None and not jwks_url.startswith(("https://", "http://")):
        raise ConfigError("JWT_JWKS_URL: must be an http(s) URL")
    cursor_secret = env.str("CURSOR_SECRET", "") or None
    if cursor_secret is not None and len(cursor_secret) < 32:
        raise ConfigError("CURSOR_SECRET: must be at least 32 characters")
    return {
        "jwt_secret": secret,
        "jwt_jwks_url": jwks_url,
        "jwt_issuer": env.str("JWT_ISSUER", "") or None,
        "jwt_audience": env.str("JWT_AUDIENCE", "") or None,
        "jwt_leeway_seconds": env.float("JWT_LEEWAY_SECONDS", 30.0, validate=Range(0, 300)),
        "cursor_secret": cursor_secret,
    }


def _server_settings(env: Env) -> dict[str, Any]:
    """gunicorn's processes and threads, and the pool each worker has."""
    port = env.int("PORT", None, validate=Range(1, 65535))
    min_size = env.int("DB_POOL_MIN_SIZE", 1, validate=Range(0, 100))
    threads = env.int("WEB_THREADS", 4, validate=Range(1, 64))
    # one connection per request thread: more would sit idle, fewer makes threads queue
    max_size = env.int("DB_POOL_MAX_SIZE", threads, validate=Range(1, 100))
    if min_size > max_size:
        raise ConfigError("DB_POOL_MIN_SIZE: must not exceed DB_POOL_MAX_SIZE")
    return {
        "bind": env.str("BIND", f"0.0.0.0:{port}" if port else "127.0.0.1:8000"),
        "workers": env.int("WEB_CONCURRENCY", 2, validate=Range(1, 64)),
        "threads": threads,
        "max_requests": env.int("WEB_MAX_REQUESTS", 0, validate=Range(0, 1_000_000_000)),
        "db_pool_min_size": min_size,
        "db_pool_max_size": max_size,
        "db_pool_timeout": env.float("DB_POOL_TIMEOUT", 2.0, validate=Range(0.1, 60)),
        "db_statement_timeout_ms": env.int("DB_STATEMENT_TIMEOUT_MS", 5000, validate=Range(0, 600_000)),
        "db_prepared_statements": env.bool("DB_PREPARED_STATEMENTS", True),
        "drain_seconds": env.float("DRAIN_SECONDS", 5.0, validate=Range(0, 300)),
        "health_db_window_seconds": env.float("HEALTH_DB_WINDOW_SECONDS", 3.0, validate=Range(0, 300)),
    }


def _webhook_settings(env: Env) -> dict[str, Any]:
    return {
        "webhook_allow_http": env.bool("WEBHOOK_ALLOW_HTTP", False),
        "webhook_allow_private": env.bool("WEBHOOK_ALLOW_PRIVATE", False),
        "webhook_retry_base_seconds": env.float(
            "WEBHOOK_RETRY_BASE_SECONDS", 10.0, validate=Range(0.05, 3600)
        ),
        "webhook_retry_hours": env.float("WEBHOOK_RETRY_HOURS", 24.0, validate=Range(24, 24 * 30)),
        "webhook_connect_timeout_seconds": env.float(
            "WEBHOOK_CONNECT_TIMEOUT_SECONDS", 5.0, validate=Range(0.1, 60)
        ),
        "webhook_read_timeout_seconds": env.float(
            "WEBHOOK_READ_TIMEOUT_SECONDS", 10.0, validate=Range(0.1, 120)
        ),
        "webhook_log_retention_days": env.float("WEBHOOK_LOG_RETENTION_DAYS", 7.0, validate=Range(1, 3650)),
        "webhook_worker_threads": env.int("WEBHOOK_WORKER_THREADS", 4, validate=Range(1, 64)),
        "webhook_poll_seconds": env.float("WEBHOOK_POLL_SECONDS", 5.0, validate=Range(0.05, 300)),
    }


@dataclass(frozen=True)
class LocalSettings:
    """What the command line reads before the service's own settings are complete: `serve` fills in
    DATABASE_URL (a local cluster) and JWT_SECRET (a dev secret) when they are unset."""

    database_url: str | None
    jwt_secret: str | None
    jwt_jwks_url: str | None
    jwt_issuer: str | None
    jwt_audience: str | None


def load_local_settings() -> LocalSettings:
    env = Env(expand_vars=False)
    names = ("DATABASE_URL", "JWT_SECRET", "JWT_JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE")
    return LocalSettings(*(env.str(name, "") or None for name in names))


def load_config_or_exit(*, verifies_tokens: bool = True) -> Config:
    """Start-up entry point: one clear line on stderr and exit status 2, never a traceback."""
    try:
        return load_config(verifies_tokens=verifies_tokens)
    except ConfigError as exc:
        print(f"taskapi: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
