"""`python -m bench` (make bench): taskapi under wrk beside its two ceilings, on a throwaway PostgreSQL.

Starts a local PostgreSQL cluster (durable, as in production), seeds it with taskapi.devtools.seed, starts
gunicorn with the repository's gunicorn.conf.py, warms up, then runs every scenario at each
connection count with wrk; runs the same SQL through pgbench (prepared and simple protocol) and a
Falcon hello-world under the same gunicorn settings; prints a table and writes bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import falcon.testing
import psycopg
from psycopg import sql

from bench import capture
from bench.loadgen import WRK_THREADS, Figures, pgbench, wrk
from taskapi.app import create_app
from taskapi.auth import issue_dev_token
from taskapi.config import Config
from taskapi.db import migrations
from taskapi.devtools.gunicorn import Gunicorn
from taskapi.devtools.gunicorn import gunicorn as serve
from taskapi.devtools.localdb import LocalCluster, find_bindir
from taskapi.devtools.pgbouncer import pgbouncer
from taskapi.devtools.seed import seed
from taskapi.store import ListFilter, Sort, listing

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105 - a throwaway server's
SCENARIOS = ["create", "get", "patch", "toggle", "list", "filtered", "search", "lists", "move", "mix"]
MIX_WEIGHTS = {"list": 30, "get": 30, "patch": 15, "toggle": 10, "create": 10, "delete": 5}
SEARCH_WORDS = ["report", "invoices", "groceries", "dentist", "budget", "meeting", "renew", "garden"]
SCRIPTS_PER_SCENARIO = 20  # pgbench takes at most 128 script files
# what --drop-search removes (migrations 0005, 0009): its GIN index, or everything a write pays
# for search: the vocabulary's triggers, the generated column and its index
DROP_SEARCH = {
    "index": b"DROP INDEX tasks_user_search_terms_idx",
    "document": b"DROP TRIGGER tasks_search_learn_insert ON tasks;"
    b" DROP TRIGGER tasks_search_learn_update ON tasks;"
    b" ALTER TABLE tasks DROP COLUMN search_terms",
}
LISTS_PER_USER = 200  # a sidebar as big as real users make them (the Inbox is one)
# Each bench user's extra lists, and their tasks spread over all their lists (by id, so it is
# the same spread every run); the count triggers keep open_tasks exact meanwhile.
_LISTS = b"""
INSERT INTO lists (user_id, id, name, position)
SELECT 'bench-user-' || u, md5('bench-user-' || u || ' list ' || n)::uuid, 'List ' || n, n * 1024
FROM generate_series(1, %(users)s::int) AS u, generate_series(1, %(lists)s::int - 1) AS n
"""
_SPREAD = b"""
UPDATE tasks SET list_id = md5(user_id || ' list ' || (1 + abs(hashtext(id::text)) %% (%(lists)s - 1)))::uuid
WHERE user_id LIKE 'bench-user-%%' AND abs(hashtext(id::text)) %% %(lists)s <> 0
"""


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


@contextmanager
def database(folder: Path) -> Iterator[tuple[LocalCluster, str]]:
    # room for pgbench's 256 clients beside gunicorn's pools
    cluster = LocalCluster(folder / "data", dbname="bench", max_connections=320)
    url = cluster.start()
    try:
        yield cluster, url
    finally:
        cluster.stop("fast")


def add_lists(url: str, users: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(_LISTS, {"users": users, "lists": LISTS_PER_USER})
        conn.execute(_SPREAD, {"lists": LISTS_PER_USER})
        conn.execute("VACUUM (ANALYZE) tasks")
        conn.execute("VACUUM (ANALYZE) lists")


def pick_tasks(url: str, users: int) -> dict[str, list[tuple[int, str, int]]]:
    """Disjoint random task sets: to read and toggle, to PATCH (with their versions), to delete."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT user_id, id::text, version FROM tasks WHERE user_id LIKE 'bench-user-%%' "
            "ORDER BY random() LIMIT 30000"
        ).fetchall()
    number = {f"bench-user-{n}": n for n in range(1, users + 1)}
    picked = [(number[u], i, v) for u, i, v in rows]
    return {"tasks": picked[:10000], "patch_tasks": picked[10000:20000], "delete_tasks": picked[20000:]}


def refresh(url: str, sets: dict[str, list[tuple[int, str, int]]]) -> None:
    """Current versions for If-Match, and only tasks that still exist (earlier runs changed them)."""
    ids = [i for name in ("patch_tasks", "delete_tasks") for _, i, _ in sets[name]]
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT id::text, version FROM tasks WHERE id = ANY(%s::uuid[])", (ids,)
        ).fetchall()
    current: dict[str, int] = dict(rows)
    for name in ("patch_tasks", "delete_tasks"):
        sets[name] = [(u, i, current[i]) for u, i, _ in sets[name] if i in current]


def write_lua_data(path: Path, tokens: list[str], sets: dict[str, list[tuple[int, str, int]]]) -> None:
    def table(items: list[Any]) -> str:
        return "{" + ",".join(items) + "}"

    lines = [
        f"thread_total = {WRK_THREADS}",
        "tokens = " + table([f'"{t}"' for t in tokens]),
        "search_words = " + table([f'"{w}"' for w in SEARCH_WORDS]),
        "tasks = " + table([f'{{{u},"{i}"}}' for u, i, _ in sets["tasks"]]),
        "patch_tasks = " + table([f'{{{u},"{i}",{v}}}' for u, i, v in sets["patch_tasks"]]),
        "delete_tasks = " + table([f'{{{u},"{i}"}}' for u, i, _ in sets["delete_tasks"]]),
    ]
    path.write_text("\n".join(lines) + "\n")


def capture_scripts(
    url: str, tokens: list[str], sets: dict[str, list[tuple[int, str, int]]], scenarios: list[str]
) -> dict[str, list[str]]:
    """pgbench scripts of each scenario: the statements the API ran for a few sample requests."""
    capture.install()
    app = create_app(Config(database_url=url, jwt_secret=SECRET, db_pool_max_size=2))
    client = falcon.testing.TestClient(app)
    rng = random.Random(7)  # noqa: S311 - picks sample requests, nothing secret
    spare = sets["delete_tasks"][-SCRIPTS_PER_SCENARIO * 2 :]  # never handed to wrk's deleters
    del sets["delete_tasks"][-SCRIPTS_PER_SCENARIO * 2 :]

    def auth(user: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[user - 1]}"}

    def one(scenario: str, n: int) -> falcon.testing.Result:
        user, task_id, _ = rng.choice(sets["tasks"])
        any_user = rng.randint(1, len(tokens))
        if scenario == "create":
            body = {"title": "Benchmark task", "tags": ["bench", "work"], "priority": "high"}
            return client.simulate_post("/api/v1/tasks", json=body, headers=auth(any_user))
        if scenario == "get":
            return client.simulate_get(f"/api/v1/tasks/{task_id}", headers=auth(user))
        if scenario == "patch":
            return client.simulate_patch(
                f"/api/v1/tasks/{task_id}", json={"description": "benchmarked"}, headers=auth(user)
            )
        if scenario == "toggle":
            return client.simulate_post(f"/api/v1/tasks/{task_id}/toggle", headers=auth(user))
        if scenario == "delete":
            user, task_id, _ = spare.pop()
            return client.simulate_delete(f"/api/v1/tasks/{task_id}", headers=auth(user))
        if scenario == "lists":
            return client.simulate_get("/api/v1/lists", headers=auth(any_user))
        if scenario == "move":
            path = f"/api/v1/tasks/{task_id}/move"
            return client.simulate_post(path, json={"after": None}, headers=auth(user))
        query = {
            "list": "",
            "filtered": "priority=high,medium&tags=work&completed=false",
            "search": f"q={rng.choice(SEARCH_WORDS)}",
        }[scenario]
        return client.simulate_get("/api/v1/tasks", query_string=query, headers=auth(any_user))

    scripts = {
        scenario: [capture.record(partial(one, scenario, n)) for n in range(SCRIPTS_PER_SCENARIO)]
        for scenario in sorted(
            {s for s in scenarios if s != "mix"} | (set(MIX_WEIGHTS) if "mix" in scenarios else set())
        )
    }
    app.db.close()
    return scripts


def worker_pids(master: int) -> list[int]:
    path = Path(f"/proc/{master}/task/{master}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


@contextmanager
def profiled(folder: str | None, master: int, scenario: str, seconds: float) -> Iterator[None]:
    """With a folder: py-spy samples one worker (on-CPU time only, the GIL-holding thread marked)
    while the block runs, and writes `<scenario>.folded` there (collapsed stacks: one line per
    stack and its sample count, what flamegraph.pl and speedscope read)."""
    if folder is None:
        yield
        return
    beside = Path(sys.executable).with_name("py-spy")  # the venv's, when it is not on PATH
    tool = str(beside) if beside.is_file() else shutil.which("py-spy")
    if tool is None:
        raise SystemExit("bench: --profile needs py-spy (pip install -r requirements-dev.txt)")
    Path(folder).mkdir(parents=True, exist_ok=True)
    pid = worker_pids(master)[0]
    out = Path(folder) / f"{scenario}.folded"
    command = [tool, "record", "--pid", str(pid), "--duration", str(max(1, int(seconds) - 1))]
    spy = subprocess.Popen(
        [*command, "--gil", "--nonblocking", "--format", "raw", "-o", str(out)], stdout=subprocess.DEVNULL
    )
    try:
        yield
    finally:
        spy.wait(timeout=seconds + 30)


def default_listing_plan(url: str) -> str:
    """The plan PostgreSQL chose for a user's first page, newest first (the `list` scenario)."""
    filters = ListFilter()
    query = listing.page_query(filters, Sort("created_at", descending=True), keyset=False)
    params = listing.parameters("bench-user-1", filters, limit=51, offset=0, after=None)
    with psycopg.connect(url) as conn:
        rows = conn.execute(sql.SQL("EXPLAIN (COSTS OFF) {}").format(query), params).fetchall()
    return " / ".join(row[0].strip().removeprefix("->  ") for row in rows)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used (what a request costs, whoever else runs)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # gone meanwhile
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def postgres_pids(cluster: LocalCluster) -> list[int]:
    """The server's processes: the postmaster and its backends and helpers."""
    master = int((cluster.datadir / "postmaster.pid").read_text().split()[0])
    children = Path(f"/proc/{master}/task/{master}/children")
    return [master, *(int(p) for p in children.read_text().split())] if children.exists() else [master]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


SERVER: dict[str, str] = {}  # WEB_CONCURRENCY / WEB_THREADS when --workers / --threads are given


@contextmanager
def gunicorn(app: str, url: str) -> Iterator[Gunicorn]:
    """gunicorn as in production (INFO logs to a file kept for a post-mortem)."""
    env = {"DATABASE_URL": url, "JWT_SECRET": SECRET, "LOG_LEVEL": "INFO", **SERVER}
    with tempfile.NamedTemporaryFile(
        prefix="taskapi-bench-gunicorn-", suffix=".log", delete=False
    ) as logfile:
        log(f"gunicorn log: {logfile.name}")
        with serve(env, app=app, output=logfile) as server:
            yield server


def ratio(ours: float, ceiling: float) -> str:
    return f"{ours / ceiling:.0%}" if ceiling else "-"


def print_table(rows: list[dict[str, Any]]) -> None:
    head = (
        f"{'scenario':<9} {'conns':>5} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'err':>4} "
        f"{'pg prep':>8} {'pg simple':>9} {'hello':>7} {'vs db':>6} {'vs hello':>8} {'vs lower':>8} "
        f"{'cpu app':>7} {'cpu db':>6}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        api, prep, simple, hello = (
            r["api"],
            r.get("pgbench_prepared"),
            r.get("pgbench_simple"),
            r.get("hello"),
        )
        cpu = r.get("cpu_ms_per_request", {})
        db_ceiling = max(prep["rps"] if prep else 0, simple["rps"] if simple else 0)
        hello_rps = hello["rps"] if hello else 0
        lower = min(x for x in (db_ceiling, hello_rps) if x) if (db_ceiling or hello_rps) else 0
        print(
            f"{r['scenario']:<9} {r['connections']:>5} {api['rps']:>7.0f} {api['p50_ms']:>6.1f} "
            f"{api['p95_ms']:>6.1f} {api['p99_ms']:>6.1f} {api['errors']:>4} "
            f"{prep['rps'] if prep else 0:>8.0f} {simple['rps'] if simple else 0:>9.0f} {hello_rps:>7.0f} "
            f"{ratio(api['rps'], db_ceiling):>6} {ratio(api['rps'], hello_rps):>8} "
            f"{ratio(api['rps'], lower):>8} "
            f"{cpu.get('gunicorn', 0):>7.2f} {cpu.get('postgres', 0):>6.2f}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--seconds", type=float, default=10, help="per run (default 10)")
    parser.add_argument("--connections", default="16,64,256", help="comma-separated (default 16,64,256)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated subset")
    parser.add_argument("--users", type=int, default=200, help="users with --tasks tasks each (default 200)")
    parser.add_argument("--tasks", type=int, default=500, help="tasks per user (default 500)")
    parser.add_argument(
        "--soak",
        type=float,
        default=0,
        help="also run the mix at 64 connections this many seconds, for RSS growth",
    )
    parser.add_argument("--no-ceilings", action="store_true", help="skip pgbench and the hello-world")
    parser.add_argument(
        "--drop-search",
        choices=sorted(DROP_SEARCH),
        help="before the runs, drop the search index (or the whole search document): its write cost",
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.json"))
    parser.add_argument(
        "--pgbouncer",
        action="store_true",
        help="the API reaches PostgreSQL through PgBouncer, transaction mode (DB_PREPARED_STATEMENTS=false)",
    )
    parser.add_argument("--workers", type=int, help="gunicorn processes (WEB_CONCURRENCY; default 2)")
    parser.add_argument(
        "--threads", type=int, help="threads per process (WEB_THREADS; default 4; 1: the sync worker)"
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="py-spy one live worker during each scenario's first run; collapsed stacks to DIR",
    )
    args = parser.parse_args(argv)
    for name, value in (("WEB_CONCURRENCY", args.workers), ("WEB_THREADS", args.threads)):
        if value is not None:
            SERVER[name] = str(value)  # the hello-world runs with the same settings
    connections = [int(c) for c in args.connections.split(",")]
    scenarios = args.scenarios.split(",")
    pgbench_path = str(find_bindir() / "pgbench")

    with tempfile.TemporaryDirectory(prefix="taskapi-bench-") as tmp:
        folder = Path(tmp)
        if os.geteuid() == 0:
            folder.chmod(0o711)  # the postgres user runs the server in here
        with database(folder) as (cluster, url):
            migrations.apply(url)
            log(f"seeding {args.users} users x {args.tasks} tasks")
            seed(url, users=args.users, tasks=args.tasks, heavy=0, prefix="bench")
            log(f"giving each user {LISTS_PER_USER} lists")
            add_lists(url, args.users)
            if args.drop_search:
                log(f"dropping the search {args.drop_search} (searches fail from here on)")
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(DROP_SEARCH[args.drop_search])
            tokens = [
                issue_dev_token(SECRET, f"bench-user-{n}", ttl_seconds=6 * 3600)
                for n in range(1, args.users + 1)
            ]
            sets = pick_tasks(url, args.users)
            plan = default_listing_plan(url)
            log(f"default listing plan: {plan}")
            scripts = capture_scripts(url, tokens, sets, scenarios) if not args.no_ceilings else {}
            data_file = folder / "data.lua"
            rows: list[dict[str, Any]] = []
            results: dict[str, Any] = {
                "machine": {
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                    "python": platform.python_version(),
                },
                "settings": vars(args),
                "default_listing_plan": plan,
                "runs": rows,
            }

            def save() -> None:  # after every run: a late failure keeps what was measured
                Path(args.out).write_text(json.dumps(results, indent=2) + "\n")

            with ExitStack() as pooled:
                api_url = url
                if args.pgbouncer:  # as behind a managed pooler; pgbench keeps the direct line
                    bouncer = pooled.enter_context(pgbouncer(url, pool_mode="transaction", pool_size=20))
                    api_url = bouncer.route(url)
                    SERVER["DB_PREPARED_STATEMENTS"] = "false"
                    log(f"the API through PgBouncer at {api_url}")
                api = pooled.enter_context(gunicorn("taskapi.app:app", api_url))
                server, base = api.process, api.base_url
                results["startup_seconds"] = round(api.startup_seconds, 3)
                log(f"gunicorn answered /health {api.startup_seconds:.2f} s after start")
                results["rss_idle_mib"] = [round(rss_mib(p), 1) for p in worker_pids(server.pid)]

                def run(scenario: str, conns: int, seconds: float) -> Figures:
                    refresh(url, sets)
                    write_lua_data(data_file, tokens, sets)
                    return wrk(base, scenario, data_file, conns, seconds)

                def cpu() -> tuple[float, float]:
                    return cpu_seconds(worker_pids(server.pid)), cpu_seconds(postgres_pids(cluster))

                for scenario in scenarios:
                    run(scenario, 16, min(3, args.seconds))  # warm-up
                    for conns in connections:
                        log(f"{scenario} at {conns} connections")
                        first = conns == connections[0]
                        app_before, db_before = cpu()
                        with profiled(args.profile if first else None, server.pid, scenario, args.seconds):
                            figures = run(scenario, conns, args.seconds)
                        app_after, db_after = cpu()
                        per_request = 1000 / max(1, figures.requests)
                        row = {"scenario": scenario, "connections": conns, "api": figures.as_dict()}
                        row["cpu_ms_per_request"] = {
                            "gunicorn": round((app_after - app_before) * per_request, 3),
                            "postgres": round((db_after - db_before) * per_request, 3),
                        }
                        rows.append(row)
                        save()
                results["rss_after_mib"] = [round(rss_mib(p), 1) for p in worker_pids(server.pid)]
                if args.soak:
                    before = [rss_mib(p) for p in worker_pids(server.pid)]
                    soak = run("mix", 64, args.soak)
                    after = [rss_mib(p) for p in worker_pids(server.pid)]
                    results["soak"] = {
                        "seconds": args.soak,
                        "api": soak.as_dict(),
                        "rss_before_mib": before,
                        "rss_after_mib": after,
                    }
            if not args.no_ceilings:
                for row in rows:
                    scenario, conns = row["scenario"], row["connections"]
                    weighted = (
                        [(s, MIX_WEIGHTS[name]) for name in MIX_WEIGHTS for s in scripts[name]]
                        if scenario == "mix"
                        else [(s, 1) for s in scripts[scenario]]
                    )
                    for mode in ("prepared", "simple"):
                        log(f"pgbench {scenario} at {conns} connections, {mode}")
                        try:
                            ceiling = pgbench(pgbench_path, url, weighted, conns, args.seconds, mode)
                            row[f"pgbench_{mode}"] = ceiling.as_dict()
                        except RuntimeError as exc:  # recorded, and the table shows no ceiling
                            row[f"pgbench_{mode}_error"] = str(exc)[-500:]
                        save()
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute("CHECKPOINT")  # the ceilings' writes, flushed before the hello-world
                with gunicorn("bench.hello:app", url) as hello_server:
                    # warmed up as the API is (a cold first run read 1,200-1,600 req/s at 16
                    # connections against ~5,000 at 64, and made every ratio to it look better)
                    wrk(hello_server.base_url, "hello", None, connections[0], min(args.seconds, 3))
                    hello = {
                        c: wrk(hello_server.base_url, "hello", None, c, args.seconds) for c in connections
                    }
                for row in rows:
                    row["hello"] = hello[row["connections"]].as_dict()
    print_table(rows)
    print(
        f"\ngunicorn start to first 200: {results['startup_seconds']} s; worker RSS idle "
        f"{results['rss_idle_mib']} MiB, after the runs {results['rss_after_mib']} MiB"
    )
    if "soak" in results:
        print(
            f"soak ({args.soak:.0f} s mix at 64): RSS {results['soak']['rss_before_mib']} -> "
            f"{results['soak']['rss_after_mib']} MiB, errors {results['soak']['api']['errors']}"
        )
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
