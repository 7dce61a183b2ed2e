"""`python -m bench.webhooks`: what webhooks cost and how fast they arrive, on a throwaway PostgreSQL.

1. The write path: create req/s (closed loop, CLIENTS threads over real HTTP to gunicorn) for a user
   without a subscription and for one with an enabled `*` subscription (the outbox rows written).
2. Delivery latency: RATE creates/s for SECONDS with one `python -m taskapi deliver` worker and a
   local receiver answering 200 at once; latency is from the create's 201 (its commit) to the
   receiver's arrival of that event. Prints p50/p95/max.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from taskapi.auth import issue_dev_token
from taskapi.db import migrations
from taskapi.devtools.gunicorn import ROOT, free_port, gunicorn
from taskapi.devtools.localdb import LocalCluster

SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105 - a throwaway server's
CLIENTS, WRITE_SECONDS = 8, 5.0
RATE, SECONDS = 100, 10.0
ENV = {"WEBHOOK_ALLOW_HTTP": "true", "WEBHOOK_ALLOW_PRIVATE": "true", "LOG_LEVEL": "WARNING"}


def _post(base: str, token: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        result: dict[str, Any] = json.loads(reply.read())
        return result


def _creates_per_second(base: str, token: str) -> float:
    stop = time.monotonic() + WRITE_SECONDS
    counts = [0] * CLIENTS

    def loop(n: int) -> None:
        while time.monotonic() < stop:
            _post(base, token, "/api/v1/tasks", {"title": "bench"})
            counts[n] += 1

    started = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(loop, range(CLIENTS)))
    return sum(counts) / (time.monotonic() - started)


def _receiver(arrivals: dict[str, float]) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            arrivals[body["data"]["id"]] = time.monotonic()
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{port}/hook"


def _latency(base: str, token: str, url: str, database_url: str) -> list[float]:
    arrivals: dict[str, float] = {}
    server, hook = _receiver(arrivals)
    _post(base, token, "/api/v1/webhooks", {"url": hook, "events": ["task.created"]})
    env = {"DATABASE_URL": database_url, **ENV}
    worker = subprocess.Popen(
        [sys.executable, "-m", "taskapi", "deliver"], cwd=ROOT, env={**_environ(), **env}
    )
    committed: dict[str, float] = {}
    try:
        time.sleep(1)
        with ThreadPoolExecutor(8) as pool:
            start = time.monotonic()
            for n in range(int(RATE * SECONDS)):
                time.sleep(max(0.0, start + n / RATE - time.monotonic()))
                pool.submit(
                    lambda: committed.setdefault(
                        _post(base, token, "/api/v1/tasks", {"title": "x"})["id"], time.monotonic()
                    )
                )
        deadline = time.monotonic() + 30
        while len(arrivals) < len(committed) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        worker.terminate()
        worker.wait()
        server.shutdown()
    return sorted(arrivals[i] - committed[i] for i in committed if i in arrivals)


def _environ() -> dict[str, str]:
    import os

    return dict(os.environ)


def main() -> None:
    global RATE
    if len(sys.argv) > 1:
        RATE = int(sys.argv[1])  # events/s for the latency run
    with tempfile.TemporaryDirectory(prefix="taskapi-bench-webhooks-") as folder:
        Path(folder).chmod(0o777)
        cluster = LocalCluster(Path(folder) / "data", dbname="bench")
        url = cluster.start()
        try:
            migrations.apply(url)
            with gunicorn({"DATABASE_URL": url, "JWT_SECRET": SECRET, **ENV}) as served:
                plain = issue_dev_token(SECRET, "bench-plain", ttl_seconds=3600)
                subscribed = issue_dev_token(SECRET, "bench-subscribed", ttl_seconds=3600)
                arrivals: dict[str, float] = {}
                server, hook = _receiver(arrivals)
                _post(served.base_url, subscribed, "/api/v1/webhooks", {"url": hook, "events": ["*"]})
                without = _creates_per_second(served.base_url, plain)
                with_sub = _creates_per_second(served.base_url, subscribed)
                server.shutdown()
                latency_token = issue_dev_token(SECRET, "bench-latency", ttl_seconds=3600)
                latencies = _latency(served.base_url, latency_token, hook, url)
        finally:
            cluster.stop("fast")
    print(f"create req/s without a subscription: {without:.0f}")
    print(
        f"create req/s with an enabled subscription: {with_sub:.0f} ({(with_sub / without - 1) * 100:+.1f} %)"
    )
    if latencies:
        p95 = latencies[int(len(latencies) * 0.95) - 1]
        p50, top = statistics.median(latencies), latencies[-1]
        print(
            f"delivery latency at {RATE}/s, one worker: n={len(latencies)} "
            f"p50={p50 * 1000:.0f} ms p95={p95 * 1000:.0f} ms max={top * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
