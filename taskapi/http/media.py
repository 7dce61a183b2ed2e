"""JSON request bodies (type and syntax checked) and JSON responses, through orjson."""

from __future__ import annotations

from typing import Any

import falcon
import orjson

from taskapi.domain.errors import Invalid


def read_json_object(req: falcon.Request) -> dict[str, Any]:
    """The body as a JSON object; RequestBody (taskapi/http/middleware.py) has read it, within the limit."""
    media_type = (req.content_type or "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise falcon.HTTPUnsupportedMediaType(description="Send the body as application/json.")
    data: bytes = req.context.body
    if not data.strip():
        raise Invalid({"body": ["The request body is empty; send a JSON object."]})
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise Invalid({"body": [f"Not valid JSON: {exc}."]}) from None
    if not isinstance(body, dict):
        raise Invalid({"body": ["Must be a JSON object."]})
    return body


def send_json(resp: falcon.Response, body: Any, status: int = 200) -> None:
    resp.status = status
    resp.content_type = falcon.MEDIA_JSON
    resp.data = orjson.dumps(body)
