"""`python -m bench.webhooks`: what webhooks cost and how fast they arrive, on a throwaway PostgreSQL.

1. The write path (unless --no-write): create req/s (closed loop, CLIENTS threads over real HTTP to
   gunicorn) for a user without a subscription and for one with an enabled `*` subscription.
2. Delivery latency, for each of --rates: RATE creates/s for --seconds with one
   `python -m taskapi deliver` worker and a local HTTP/1.1 receiver answering 200 at once; latency
   is from the create's 201 (its commit) to the receiver's arrival of that event. p50/p95/p99/max.
3. Drain (--drain N): N events of one subscription queued with no worker running, then one worker
   started; events/s from the first arrival to the last.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from taskapi.auth import issue_dev_token
from taskapi.db import migrations
from taskapi.devtools.gunicorn import ROOT, free_port, gunicorn
from taskapi.devtools.localdb import LocalCluster

SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105 - a throwaway server's
CLIENTS, WRITE_SECONDS = 8, 5.0
DRAIN_CLIENTS = 8
ENV = {"WEBHOOK_ALLOW_HTTP": "true", "WEBHOOK_ALLOW_PRIVATE": "true", "LOG_LEVEL": "WARNING"}


def _post(base: str, token: str, path: str, body: dict[str, Any], method: str = "POST") -> dict[str, Any]:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        method=method,
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
        protocol_version = "HTTP/1.1"  # keeps the connection open between requests, as receivers do

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


@contextmanager
def _worker(database_url: str) -> Iterator[None]:
    env = {**os.environ, "DATABASE_URL": database_url, **ENV}
    worker = subprocess.Popen([sys.executable, "-m", "taskapi", "deliver"], cwd=ROOT, env=env)
    try:
        yield
    finally:
        worker.terminate()
        worker.wait()


def _wait_for(arrivals: dict[str, float], count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(arrivals) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def _latency(base: str, token: str, database_url: str, rate: int, seconds: float) -> list[float]:
    arrivals: dict[str, float] = {}
    server, hook = _receiver(arrivals)
    _post(base, token, "/api/v1/webhooks", {"url": hook, "events": ["task.created"]})
    committed: dict[str, float] = {}
    try:
        with _worker(database_url):
            time.sleep(1)
            with ThreadPoolExecutor(8) as pool:
                start = time.monotonic()
                for n in range(int(rate * seconds)):
                    time.sleep(max(0.0, start + n / rate - time.monotonic()))
                    pool.submit(
                        lambda: committed.setdefault(
                            _post(base, token, "/api/v1/tasks", {"title": "x"})["id"], time.monotonic()
                        )
                    )
            _wait_for(arrivals, len(committed), timeout=30)
    finally:
        server.shutdown()
    return sorted(arrivals[i] - committed[i] for i in committed if i in arrivals)


def _drain(base: str, token: str, database_url: str, count: int) -> tuple[int, float]:
    """(events that arrived, events/s from the first arrival to the last)."""
    arrivals: dict[str, float] = {}
    server, hook = _receiver(arrivals)
    _post(base, token, "/api/v1/webhooks", {"url": hook, "events": ["task.created"]})
    with ThreadPoolExecutor(DRAIN_CLIENTS) as pool:
        list(pool.map(lambda _: _post(base, token, "/api/v1/tasks", {"title": "x"}), range(count)))
    try:
        with _worker(database_url):
            _wait_for(arrivals, count)
    finally:
        server.shutdown()
    times = sorted(arrivals.values())
    if len(times) < 2:
        return len(times), 0.0
    return len(times), (len(times) - 1) / (times[-1] - times[0])


def _percentile(ordered: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q of them at or below it."""
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _write_cost(base: str) -> None:
    plain = issue_dev_token(SECRET, "bench-plain", ttl_seconds=3600)
    subscribed = issue_dev_token(SECRET, "bench-subscribed", ttl_seconds=3600)
    arrivals: dict[str, float] = {}
    server, hook = _receiver(arrivals)
    subscription = _post(base, subscribed, "/api/v1/webhooks", {"url": hook, "events": ["*"]})
    without = _creates_per_second(base, plain)
    with_sub = _creates_per_second(base, subscribed)
    # its thousands of events are not delivered: the latency runs' worker is not to retry them
    _post(base, subscribed, f"/api/v1/webhooks/{subscription['id']}", {"enabled": False}, "PATCH")
    server.shutdown()
    print(f"create req/s without a subscription: {without:.0f}")
    print(
        f"create req/s with an enabled subscription: {with_sub:.0f} ({(with_sub / without - 1) * 100:+.1f} %)"
    )


def _report_latency(base: str, database_url: str, rate: int, seconds: float) -> None:
    token = issue_dev_token(SECRET, f"bench-latency-{rate}", ttl_seconds=3600)
    latencies = _latency(base, token, database_url, rate, seconds)
    if not latencies:
        print(f"delivery latency at {rate}/s: nothing arrived")
        return
    p50, p95, p99 = (_percentile(latencies, q) for q in (0.5, 0.95, 0.99))
    print(
        f"delivery latency at {rate}/s, one worker: n={len(latencies)}/{int(rate * seconds)} "
        f"p50={p50 * 1000:.0f} ms p95={p95 * 1000:.0f} ms p99={p99 * 1000:.0f} ms "
        f"max={latencies[-1] * 1000:.0f} ms"
    )


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks", description=__doc__.split("\n")[0])
    parser.add_argument("--rates", default="100", help="events/s of the latency runs, comma-separated")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each latency run")
    parser.add_argument("--drain", type=int, default=0, help="events queued for the drain run (0: none)")
    parser.add_argument("--no-write", action="store_true", help="skip the write-path measurement")
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    with tempfile.TemporaryDirectory(prefix="taskapi-bench-webhooks-") as folder:
        Path(folder).chmod(0o777)
        cluster = LocalCluster(Path(folder) / "data", dbname="bench")
        url = cluster.start()
        try:
            migrations.apply(url)
            with gunicorn({"DATABASE_URL": url, "JWT_SECRET": SECRET, **ENV}) as served:
                if not args.no_write:
                    _write_cost(served.base_url)
                for rate in (int(r) for r in args.rates.split(",") if r):
                    _report_latency(served.base_url, url, rate, args.seconds)
                if args.drain:
                    token = issue_dev_token(SECRET, "bench-drain", ttl_seconds=3600)
                    arrived, per_second = _drain(served.base_url, token, url, args.drain)
                    print(f"drain of {args.drain} queued events, {arrived} arrived, {per_second:.0f}/s")
        finally:
            cluster.stop("fast")


if __name__ == "__main__":
    main()
