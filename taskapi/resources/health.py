"""GET /health (readiness: route traffic here?) and GET /health/live (liveness: is the process up)."""

from __future__ import annotations

import falcon

from taskapi import drain
from taskapi.db.monitor import DatabaseMonitor
from taskapi.http.errors import RETRY_AFTER_SECONDS
from taskapi.http.media import send_json
from taskapi.openapi.facts import json_response, operation

READINESS = operation(
    "Readiness: should a load balancer send requests to this instance",
    description=(
        "Answers at once from a background check of the database (a ping every second on a "
        "connection of its own), never waiting for a request's connection. A database that fails "
        "its pings for less than HEALTH_DB_WINDOW_SECONDS is reported as `failing` with a 200 (a "
        "blip is not a reason to take every instance out), longer as `unavailable` with a 503. "
        "After SIGTERM the instance answers 503 `draining` for DRAIN_SECONDS while it still "
        "serves, so the load balancer stops sending it requests before it stops accepting them."
    ),
    tags=("meta",),
    public=True,
    responses={
        200: json_response("Ready.", "HealthStatus", example={"status": "ok", "database": "ok"}),
        503: json_response(
            "Not ready: the database has been unreachable for a while, or the instance is shutting down.",
            "HealthStatus",
            example={"status": "unavailable", "database": "unavailable"},
            headers=("Retry-After",),
        ),
    },
)
LIVENESS = operation(
    "Liveness: is the process up (never touches the database)",
    description="Restart the instance when this fails; a database outage does not make it fail.",
    tags=("meta",),
    public=True,
    responses={200: json_response("Up.", "LiveStatus", example={"status": "ok"})},
)


class Health:
    public = True
    openapi = {"on_get": READINESS}

    def __init__(self, monitor: DatabaseMonitor) -> None:
        self.monitor = monitor

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.cache_control = ["no-store"]
        database = self.monitor.database()
        if drain.draining():  # also while the database is down: the instance is leaving anyway
            send_json(resp, {"status": "draining", "database": database}, 503)
        elif database == "unavailable":
            resp.set_header("Retry-After", RETRY_AFTER_SECONDS)
            send_json(resp, {"status": "unavailable", "database": database}, 503)
        else:
            send_json(resp, {"status": "ok", "database": database})

    on_head = on_get  # falcon sends a HEAD answer's headers without its body


class Liveness:
    public = True
    openapi = {"on_get": LIVENESS}

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.cache_control = ["no-store"]
        send_json(resp, {"status": "ok"})

    on_head = on_get
