"""`python -m bench.batch`: a batch of 50 creates against 50 separate creates, and a mixed batch of
100 operations, over keep-alive connections to the production gunicorn, on a throwaway cluster.

Each of CONNECTIONS client threads (its own user, its own connection) sends requests back to back
for SECONDS; tasks/s counts the tasks the 2xx answers created. Prints medians and p95/p99.
Then the database's ceiling: pgbench running the statements one batch of 50 creates sent (recorded
in process, each run with fresh ids) at the same concurrency, with no HTTP, JSON or Python. The
mixed batch sends those statements and 50 updates more, so its latency cannot be lower.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import threading
import time
from typing import Any

import falcon.testing

from bench import capture
from bench.listing import cluster
from bench.loadgen import pgbench
from taskapi.app import create_app
from taskapi.auth import issue_dev_token
from taskapi.config import Config
from taskapi.db import migrations
from taskapi.devtools.gunicorn import gunicorn
from taskapi.devtools.localdb import find_bindir

SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105 - a throwaway server's


def creates(n: int) -> list[dict[str, Any]]:
    return [{"method": "POST", "path": "/api/v1/tasks", "body": {"title": f"task {i}"}} for i in range(n)]


def mixed(n: int) -> list[dict[str, Any]]:
    """n/2 creates, each named, and a PATCH of each through its ref."""
    made = [{**op, "ref": f"t{i}"} for i, op in enumerate(creates(n // 2))]
    patches = [
        {"method": "PATCH", "path": f"/api/v1/tasks/$t{i}", "body": {"priority": "high"}}
        for i in range(n // 2)
    ]
    return made + patches


def run(
    base: str, connections: int, seconds: float, request: tuple[str, bytes], tasks_each: int
) -> dict[str, Any]:
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    created, errors = [0], [0]
    lock = threading.Lock()

    def client(user: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        headers = {
            "Authorization": f"Bearer {issue_dev_token(SECRET, f'bench-batch-{user}')}",
            "Content-Type": "application/json",
        }
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            path, body = request
            started = time.perf_counter()
            conn.request("POST", path, body=body, headers=headers)
            reply = conn.getresponse()
            reply.read()
            took = time.perf_counter() - started
            with lock:
                latencies.append(took)
                if 200 <= reply.status < 300:
                    created[0] += tasks_each
                else:
                    errors[0] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "requests": len(latencies),
        "errors": errors[0],
        "tasks_per_s": round(created[0] / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(cuts[94] * 1000, 1),
        "p99_ms": round(cuts[98] * 1000, 1),
    }


def ceiling(url: str, connections: int, seconds: float, request: tuple[str, bytes]) -> dict[str, Any]:
    """pgbench on the statements `request` ran in process (simple protocol: each planned for its
    values, as the store's one-off texts are), as tasks/s and transaction latency. Each pgbench
    client is its own user, as each HTTP client is: the recorded request was its user's first, so
    a client's first run makes that user's Inbox (with the recorded id: ids are per user)."""
    capture.install()
    app = create_app(Config(database_url=url, jwt_secret=SECRET, db_pool_max_size=1))
    recorded = "bench-batch-ceiling"
    headers = {"Authorization": f"Bearer {issue_dev_token(SECRET, recorded)}"}
    path, body = request
    client = falcon.testing.TestClient(app)
    script = capture.record(
        lambda: client.simulate_post(path, body=body, headers=headers, content_type="application/json")
    )
    app.db.close()
    script = script.replace(f"'{recorded}'", f"'{recorded}-' || :client_id")
    figures = pgbench(str(find_bindir() / "pgbench"), url, [(script, 1)], connections, seconds, "simple")
    return {
        "errors": figures.errors,
        "tasks_per_s": round(figures.rps * 50, 1),
        "p50_ms": round(figures.p50_ms, 1),
        "p95_ms": round(figures.p95_ms, 1),
        "p99_ms": round(figures.p99_ms, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.batch", description=__doc__)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    single = ("/api/v1/tasks", json.dumps({"title": "task"}).encode())
    fifty = ("/api/v1/batch", json.dumps({"operations": creates(50)}).encode())
    hundred = ("/api/v1/batch", json.dumps({"operations": mixed(100)}).encode())
    with cluster() as url:
        migrations.apply(url)
        with gunicorn({"DATABASE_URL": url, "JWT_SECRET": SECRET, "LOG_LEVEL": "WARNING"}) as server:
            for name, request, each in (
                ("50 separate creates", single, 1),
                ("one batch of 50 creates", fifty, 50),
                ("mixed batch of 100 operations", hundred, 50),
            ):
                run(server.base_url, args.connections, 2, request, each)  # warm-up
                figures = run(server.base_url, args.connections, args.seconds, request, each)
                print(f"{name:32} {json.dumps(figures)}", flush=True)
        figures = ceiling(url, args.connections, args.seconds, fifty)
        print(f"{'pgbench: its 50 creates':32} {json.dumps(figures)}", flush=True)


if __name__ == "__main__":
    main()
