"""The framework's ceiling: a Falcon hello-world served with taskapi's own gunicorn settings."""

from __future__ import annotations

import falcon

from taskapi.http.media import send_json


class Hello:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        send_json(resp, {"hello": "world"})


app = falcon.App()
app.add_route("/health", Hello())
app.add_route("/hello", Hello())
