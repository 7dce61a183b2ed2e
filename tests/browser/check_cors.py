"""A page served from one origin calls the API with a bearer token via fetch, in headless Chromium.

From an allowed origin (one in CORS_ORIGINS) the preflighted POST and the GET succeed and ETag and
Location are readable; from any other origin the browser blocks the call.

    python -m tests.browser.check_cors API_BASE_URL ORIGIN_PORT TOKEN
"""

from __future__ import annotations

import html
import http.server
import json
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tests.browser.chromium import run_chromium

_SCRIPT = """
(async () => {
  const out = document.getElementById("result");
  try {
    const auth = {"Authorization": "Bearer " + TOKEN};
    const created = await fetch(API + "/api/v1/tasks", {
      method: "POST",
      headers: {...auth, "Content-Type": "application/json", "X-Request-ID": "cors-check"},
      body: JSON.stringify({title: "made in a browser"}),
    });
    const listed = await fetch(API + "/api/v1/tasks", {headers: auth});
    out.textContent = JSON.stringify({
      outcome: "ok",
      created: created.status,
      etag: created.headers.get("ETag"),
      location: created.headers.get("Location"),
      request_id: created.headers.get("X-Request-ID"),
      listed: listed.status,
      total: (await listed.json()).total,
    });
  } catch (error) {
    out.textContent = JSON.stringify({outcome: "blocked", error: String(error)});
  }
})();
"""


def page(api: str, token: str) -> bytes:
    script = f"const API = {json.dumps(api)}; const TOKEN = {json.dumps(token)};" + _SCRIPT
    body = f'<pre id="result">pending</pre><script>{script}</script>'
    return f"<!DOCTYPE html><html><body>{body}</body></html>".encode()


@contextmanager
def serve_page(port: int, body: bytes) -> Iterator[str]:
    """Serve `body` at / on 127.0.0.1:`port` (the page's origin) while the block runs."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


def call_from_origin(api: str, origin_port: int, token: str) -> dict[str, object]:
    """What the page at 127.0.0.1:`origin_port` saw when it called `api`."""
    with serve_page(origin_port, page(api, token)) as origin:
        dom = run_chromium(origin + "/", "--dump-dom")
    match = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    assert match, f"no result in the page: {dom[:500]}"
    text = html.unescape(match.group(1))
    assert text != "pending", "the page's script did not finish"
    return dict(json.loads(text))


if __name__ == "__main__":
    print(json.dumps(call_from_origin(sys.argv[1].rstrip("/"), int(sys.argv[2]), sys.argv[3]), indent=2))
