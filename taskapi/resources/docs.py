"""GET /openapi.json (built once at start-up) and GET /docs (Swagger UI from local assets, no CDN)."""

from __future__ import annotations

from typing import Any

import falcon
import orjson
from swagger_ui_bundle import swagger_ui_path

from taskapi.openapi.facts import operation

SWAGGER_ASSETS = "/docs/assets"
ASSETS_DIR = str(swagger_ui_path)

# Swagger UI's own index.html, with our document and no petstore; served from /docs/assets.
_PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>taskapi · API docs</title>
  <link rel="stylesheet" href="{SWAGGER_ASSETS}/swagger-ui.css">
  <link rel="icon" type="image/png" href="{SWAGGER_ASSETS}/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{SWAGGER_ASSETS}/swagger-ui-bundle.js"></script>
  <script src="{SWAGGER_ASSETS}/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
""".encode()
_INIT = b"""window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: false,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "BaseLayout"
});
"""


class OpenApiDocument:
    public = True
    openapi = {
        "on_get": operation(
            "The OpenAPI document (this one)",
            tags=("meta",),
            public=True,
            responses={200: {"description": "OpenAPI 3.0 JSON.", "content": {falcon.MEDIA_JSON: {}}}},
        )
    }

    def __init__(self) -> None:
        self.data = b"{}"

    def publish(self, document: dict[str, Any]) -> None:
        self.data = orjson.dumps(document)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_JSON
        resp.data = self.data


class SwaggerUi:
    public = True
    openapi = {
        "on_get": operation(
            "Interactive API docs (Swagger UI)",
            tags=("meta",),
            public=True,
            responses={200: {"description": "An HTML page.", "content": {falcon.MEDIA_HTML: {}}}},
        ),
        "on_get_init": operation(
            "Swagger UI's start-up script",
            tags=("meta",),
            public=True,
            responses={200: {"description": "JavaScript.", "content": {falcon.MEDIA_JS: {}}}},
        ),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.data = _PAGE

    def on_get_init(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_JS
        resp.data = _INIT
