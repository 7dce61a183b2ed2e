"""GET /health: is the service up, and can it reach its database."""

from __future__ import annotations

import falcon

from taskapi.db import Database
from taskapi.http.errors import RETRY_AFTER_SECONDS
from taskapi.http.media import send_json
from taskapi.openapi.document import json_response, operation

PING_TIMEOUT_SECONDS = 0.5


class Health:
    public = True
    openapi = {
        "on_get": operation(
            "Is the service up, and can it reach its database",
            tags=("meta",),
            public=True,
            responses={
                200: json_response("Up.", "HealthStatus", example={"status": "ok", "database": "ok"}),
                503: json_response(
                    "The database is unreachable.",
                    "HealthStatus",
                    example={"status": "unavailable", "database": "unavailable"},
                    headers=("Retry-After",),
                ),
            },
        )
    }

    def __init__(self, db: Database) -> None:
        self.db = db

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.cache_control = ["no-store"]
        if self.db.ping(PING_TIMEOUT_SECONDS):
            send_json(resp, {"status": "ok", "database": "ok"})
        else:
            resp.set_header("Retry-After", RETRY_AFTER_SECONDS)
            send_json(resp, {"status": "unavailable", "database": "unavailable"}, 503)
