"""JSON request bodies (type, size and syntax checked) and JSON responses, through orjson."""

from __future__ import annotations

from typing import Any

import falcon
import orjson


def read_json_object(req: falcon.Request, max_bytes: int) -> dict[str, Any]:
    media_type = (req.content_type or "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise falcon.HTTPUnsupportedMediaType(description="Send the body as application/json.")
    data = req.bounded_stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise falcon.HTTPContentTooLarge(description=f"The body is larger than {max_bytes} bytes.")
    if not data.strip():
        raise falcon.HTTPBadRequest(description="The request body is empty; send a JSON object.")
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise falcon.HTTPBadRequest(description=f"The body is not valid JSON: {exc}.") from None
    if not isinstance(body, dict):
        raise falcon.HTTPBadRequest(description="The body must be a JSON object.")
    return body


def send_json(resp: falcon.Response, body: Any, status: int = 200) -> None:
    resp.status = status
    resp.content_type = falcon.MEDIA_JSON
    resp.data = orjson.dumps(body)
