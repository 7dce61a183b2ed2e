"""Wiring: create_app(config) builds the pool, the store, the resources and the middleware.

`taskapi.app:app` is the WSGI callable gunicorn serves; it is built on first access, from the
environment, so importing this module (tests, tools) needs no settings.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import falcon

from taskapi.auth import TokenVerifier
from taskapi.config import Config, load_config_or_exit
from taskapi.cursors.listing import ListingCursors
from taskapi.cursors.signer import cursor_key
from taskapi.cursors.sync import SyncCursors
from taskapi.db import Database, load_queries
from taskapi.db.monitor import DatabaseMonitor
from taskapi.http import errors
from taskapi.http.browser import Cors, SecurityHeaders
from taskapi.http.metrics import MetricsEndpoint, RequestMetrics
from taskapi.http.middleware import BearerAuth, RequestBody, RequestContext
from taskapi.logs import configure_logging
from taskapi.openapi.document import Route, build_spec
from taskapi.resources.batch import Batch
from taskapi.resources.docs import ASSETS_DIR, SWAGGER_ASSETS, OpenApiDocument, SwaggerUi
from taskapi.resources.health import Health, Liveness
from taskapi.resources.lists import ListCollection, ListItem, ListMoveResource
from taskapi.resources.schedule import CalendarExport, Occurrences, Reminders
from taskapi.resources.sync import Sync
from taskapi.resources.tasks import TaskCollection, TaskItem, TaskMoveResource, TaskToggle
from taskapi.resources.webhooks import WebhookCollection, WebhookDeliveries, WebhookItem, WebhookRetry
from taskapi.store import IdempotencyStore, ListStore, ScheduleStore, SyncStore, TaskStore, WebhookStore
from taskapi.webhooks.targets import TargetPolicy

API_VERSION = "1.0.0"


class TaskApp(falcon.App):
    """The Falcon app, holding its database and readiness monitor so gunicorn's hooks can start
    and stop them in each worker."""

    db: Database
    monitor: DatabaseMonitor

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.routes: list[Route] = []  # what the OpenAPI document describes

    def close(self) -> None:
        self.monitor.stop()
        self.db.close()

    def add_route(self, uri_template: str, resource: object, **kwargs: Any) -> None:
        """Every route that answers GET answers HEAD too, with the same status and headers (Falcon
        sends no body for HEAD)."""
        suffix = f"_{kwargs['suffix']}" if kwargs.get("suffix") else ""
        get = getattr(resource, f"on_get{suffix}", None)
        if get is not None and not hasattr(resource, f"on_head{suffix}"):
            setattr(resource, f"on_head{suffix}", get)
        super().add_route(uri_template, resource, **kwargs)
        self.routes.append((uri_template, resource, suffix))


def create_app(config: Config, verifier: TokenVerifier | None = None) -> TaskApp:
    db = Database(config)
    verifier = verifier or TokenVerifier(
        secret=config.jwt_secret,
        jwks_url=config.jwt_jwks_url,
        issuer=config.jwt_issuer,
        audience=config.jwt_audience,
        leeway=config.jwt_leeway_seconds,
    )
    app = TaskApp(
        middleware=[
            RequestContext(),
            # before Cors: a preflight's body (if any) is read too, so its framing is checked
            RequestBody(config.max_body_bytes),
            RequestMetrics(db.pool.get_stats),
            SecurityHeaders(config.hsts_seconds),
            *([Cors(config.cors_origins)] if config.cors_origins else []),
            BearerAuth(verifier),
        ]
    )
    app.db = db
    app.monitor = DatabaseMonitor(config.database_url, window=config.health_db_window_seconds)
    app.req_options.strip_url_path_trailing_slash = True
    errors.install(app)
    document = OpenApiDocument()
    _add_meta_routes(app, config, document)
    _add_api_routes(app, config, load_queries())
    document.publish(build_spec(app.routes, API_VERSION))  # once, after every route is added
    return app


def _add_meta_routes(app: TaskApp, config: Config, document: OpenApiDocument) -> None:
    """Health, the OpenAPI document and its pages, metrics: no token needed."""
    app.add_route("/health", Health(app.monitor))
    app.add_route("/health/live", Liveness())
    app.add_route("/openapi.json", document)
    app.add_route("/docs", SwaggerUi())
    app.add_route("/docs/init.js", SwaggerUi(), suffix="init")
    app.add_static_route(SWAGGER_ASSETS, ASSETS_DIR)
    if config.metrics_enabled:
        app.add_route("/metrics", MetricsEndpoint(app.db.pool.get_stats, config.metrics_multiprocess))


def _add_api_routes(app: TaskApp, config: Config, queries: dict[str, bytes]) -> None:
    """Every /api/v1 route, each resource given the store it works with."""
    db = app.db
    store = TaskStore(db, queries, max_tasks=config.max_tasks_per_user)
    lists = ListStore(db, queries, max_lists=config.max_lists_per_user)
    idempotency = IdempotencyStore(db, queries, timedelta(hours=config.idempotency_key_ttl_hours))
    retention = timedelta(days=config.tombstone_retention_days)
    schedule = ScheduleStore(db, queries)
    key = cursor_key(config.cursor_secret, config.jwt_secret)
    app.add_route("/api/v1/tasks", TaskCollection(store, idempotency, ListingCursors(key)))
    app.add_route("/api/v1/tasks/{task_id:uuid}", TaskItem(store, idempotency))
    app.add_route("/api/v1/tasks/{task_id:uuid}/toggle", TaskToggle(store, idempotency))
    app.add_route("/api/v1/tasks/{task_id:uuid}/move", TaskMoveResource(store, idempotency))
    app.add_route("/api/v1/lists", ListCollection(lists, idempotency))
    app.add_route("/api/v1/lists/{list_id:uuid}", ListItem(lists, idempotency))
    app.add_route("/api/v1/lists/{list_id:uuid}/move", ListMoveResource(lists, idempotency))
    app.add_route("/api/v1/sync", Sync(SyncStore(db, queries, retention), SyncCursors(key), retention))
    app.add_route("/api/v1/tasks/{task_id:uuid}/occurrences", Occurrences(schedule))
    app.add_route("/api/v1/tasks.ics", CalendarExport(schedule))
    app.add_route("/api/v1/reminders", Reminders(schedule))
    hooks = (
        WebhookStore(db, queries),
        idempotency,
        TargetPolicy(allow_http=config.webhook_allow_http, allow_private=config.webhook_allow_private),
    )
    app.add_route("/api/v1/webhooks", WebhookCollection(*hooks))
    app.add_route("/api/v1/webhooks/{subscription_id:uuid}", WebhookItem(*hooks))
    app.add_route("/api/v1/webhooks/{subscription_id:uuid}/deliveries", WebhookDeliveries(*hooks))
    app.add_route(
        "/api/v1/webhooks/{subscription_id:uuid}/deliveries/{delivery_id:uuid}/retry", WebhookRetry(*hooks)
    )
    # last: it runs the routes above (those its table names) through their own resources
    app.add_route("/api/v1/batch", Batch(db, idempotency, app.routes, config.max_body_bytes))


def __getattr__(name: str) -> Any:
    if name == "app":
        config = load_config_or_exit()
        configure_logging(config.log_level)
        globals()["app"] = built = create_app(config)
        return built
    raise AttributeError(name)
