"""Listing benchmark: `python -m bench.listing` (wrk against gunicorn, beside pgbench on the same SQL).

Builds a throwaway PostgreSQL cluster (LocalCluster, durable=False) in a temporary folder,
fills it with taskapi.devtools.seed (default 200 users x 1,000 tasks + one heavy user with 50,000),
starts gunicorn exactly as in production (`gunicorn -c gunicorn.conf.py taskapi.app:app` with
DATABASE_URL and JWT_SECRET), then for each case and concurrency runs `wrk` for --duration
seconds as the heavy user, and pgbench on the very SQL the store sends for that case (-M
prepared and -M simple). Prints req/s and p50/p95/p99 per case, the API/pgbench ratio, and
the targets. Everything it started is stopped and removed at the end. Needs `wrk`
(apt-get install -y wrk) and the PostgreSQL server binaries (pgbench comes with them).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from taskapi.auth import issue_dev_token  # noqa: E402
from taskapi.db import migrations  # noqa: E402
from taskapi.devtools import seed  # noqa: E402
from taskapi.devtools.gunicorn import gunicorn  # noqa: E402
from taskapi.devtools.localdb import LocalCluster, find_bindir  # noqa: E402
from taskapi.store import listing, ranked  # noqa: E402
from taskapi.store.listing import After, ListFilter, Sort  # noqa: E402

DEPTH = 40_000
LIMIT = 50  # the API's default page; the store asks for one more row to know if more follow


@dataclass(frozen=True)
class Case:
    name: str
    query: dict[str, Any]  # the API's query parameters
    filters: ListFilter
    sort: Sort
    offset: int = 0
    cursor: bool = False


NEWEST = Sort("created_at", descending=True)
CASES = [
    Case("default", {}, ListFilter(), NEWEST),
    Case(
        "filtered",
        {"priority": "high,medium", "tags": "work", "completed": "false"},
        ListFilter(completed=False, priority=("high", "medium"), tags=("work",)),
        NEWEST,
    ),
    # searches of the seed's words (taskapi.devtools.vocabulary) at several frequencies, as the
    # heavy user (50,000 tasks): a very common word (~20% of tasks), a medium one (~3%), a rare
    # one (~0.1%), a prefix of a common word as typed, two words being typed, and a typo of a
    # common word (found only through typo keys)
    *(
        Case(name, {"q": q}, ListFilter(q=q), Sort("relevance", descending=True))
        for name, q in (
            ("common", "call"),
            ("search", "report"),
            ("rare", "zither"),
            ("prefix mil", "mil"),
            ("two words", "buy mil"),
            ("typo", "grocreies"),
        )
    ),
    Case("offset 40k", {"offset": str(DEPTH)}, ListFilter(), NEWEST, offset=DEPTH),
    Case("cursor 40k", {}, ListFilter(), NEWEST, cursor=True),
]


def tool(name: str) -> str:
    path = shutil.which(name) or str(find_bindir() / name)
    if not Path(path).is_file():
        sys.exit(f"bench: {name} not found (wrk: apt-get install -y wrk; pgbench: the PostgreSQL binaries)")
    return path


@contextlib.contextmanager
def cluster() -> Iterator[str]:
    folder = Path(tempfile.mkdtemp(prefix="taskapi-bench-"))
    os.chmod(folder, 0o711)  # noqa: S103 -- as root the server runs as 'postgres', which must pass through
    local = LocalCluster(folder / "data", dbname="bench", durable=False)
    try:
        yield local.start()
    finally:
        local.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


def get_json(url: str, token: str) -> Any:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def wrk(url: str, token: str, connections: int, duration: int) -> dict[str, Any]:
    command = [
        tool("wrk"),
        "-t2",
        f"-c{connections}",
        f"-d{duration}s",
        "-s",
        str(ROOT / "bench" / "auth.lua"),
    ]
    done = subprocess.run([*command, url], capture_output=True, text=True, env={**os.environ, "TOKEN": token})
    match = re.search(r"^RESULT (.*)$", done.stdout, re.MULTILINE)
    if not match:
        sys.exit(f"bench: wrk failed:\n{done.stdout}{done.stderr}")
    result = json.loads(match.group(1))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def statements(database_url: str, case: Case, params: dict[str, Any]) -> list[tuple[sql.Composed, dict]]:
    """The statements the store sends for the case, each with its values: a page and its total,
    or for a best-first search the totals and what taskapi.store.ranked runs for them."""
    if not ranked.applies(case.filters, case.sort):
        page = listing.page_query(case.filters, case.sort, keyset=case.cursor)
        return [(page, params), (listing.count_query(case.filters, case.sort), params)]
    owned = {"user_id": params["user_id"]}
    sent = [
        (listing.count_query(case.filters, case.sort), params),
        (listing.count_query(ListFilter(), case.sort), owned),
    ]
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        total, tasks = (conn.execute(query, values).fetchone()["total"] for query, values in sent)  # type: ignore[index]
        ranked.page(conn, case.filters, params, total, tasks, keyset=case.cursor, sent=sent)
    return sent


def pgbench_script(
    case: Case, sent: list[tuple[sql.Composed, dict]], folder: Path, mode: str
) -> tuple[Path, list[str]]:
    """The store's statements for the case as a pgbench script, and its -D definitions."""
    text = "".join(f"{query.as_string(None)};\n" for query, _ in sent)
    values: dict[str, Any] = {}
    for _, given in sent:
        values.update(given)  # one value per name: the ranked statements' depth is the page's limit
    names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", text)))
    script = folder / f"{case.name.replace(' ', '-')}.sql"
    script.write_text(re.sub(r"%\((\w+)\)s", r":\1", text))
    defines = []
    for name in names:
        value = pg_text(values[name])
        # simple mode pastes the value into the SQL text; prepared mode sends it as a parameter
        defines += ["-D", f"{name}=" + ("'" + value.replace("'", "''") + "'" if mode == "simple" else value)]
    return script, defines


def pg_text(value: Any) -> str:
    if isinstance(value, list):
        return "{" + ",".join(value) + "}"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def pgbench(url: str, script: Path, defines: list[str], mode: str, clients: int, duration: int) -> float:
    command = [tool("pgbench"), "-n", "-M", mode, "-c", str(clients), "-j", "2", "-T", str(duration)]
    done = subprocess.run([*command, *defines, "-f", str(script), url], capture_output=True, text=True)
    match = re.search(r"tps = ([\d.]+)", done.stdout)
    if done.returncode != 0 or not match:
        sys.exit(f"bench: pgbench failed:\n{done.stdout}{done.stderr}")
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--heavy", type=int, default=50_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement (default 10)")
    parser.add_argument("--connections", default="16,64", help="comma-separated (default 16,64)")
    parser.add_argument("--cases", help="comma-separated subset of: " + ", ".join(c.name for c in CASES))
    args = parser.parse_args()
    conns = [int(c) for c in args.connections.split(",")]
    cases = [c for c in CASES if not args.cases or c.name in args.cases.split(",")]
    tool("wrk"), tool("pgbench")
    secret = secrets.token_urlsafe(48)
    with cluster() as url, tempfile.TemporaryDirectory() as scratch:
        migrations.apply(url)
        started = time.monotonic()
        heavy = seed.seed(url, users=args.users, tasks=args.tasks, heavy=args.heavy)
        rows = args.users * args.tasks + args.heavy
        print(f"seeded {rows} tasks in {time.monotonic() - started:.0f} s; heavy user {heavy}", flush=True)
        with (
            open(Path(scratch) / "gunicorn.log", "wb") as log,
            gunicorn({"DATABASE_URL": url, "JWT_SECRET": secret}, output=log) as server,
        ):
            base = server.base_url
            bench = Bench(url, f"{base}/api/v1/tasks", heavy, issue_dev_token(secret, heavy), Path(scratch))
            print("\n" + HEADER)
            results = {(case.name, n): bench.run(case, n, args.duration) for case in cases for n in conns}
    report_targets(results, conns)


HEADER = (
    f"{'case':<12}{'conns':>6}{'req/s':>9}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'errors':>7}"
    f"{'pgbench prep':>14}{'simple':>9}{'api/prep':>10}"
)


class Bench:
    """One case at one concurrency: wrk on the API, then pgbench on the same SQL."""

    def __init__(self, database_url: str, api: str, user_id: str, token: str, folder: Path) -> None:
        self.database_url, self.api, self.user_id, self.token, self.folder = (
            database_url,
            api,
            user_id,
            token,
            folder,
        )
        # the API's cursor after task DEPTH, and the same position for pgbench
        at_depth = {"limit": 1, "offset": DEPTH - 1}
        self.deep_cursor = get_json(f"{api}?{urlencode(at_depth)}", token)["next_cursor"]
        with psycopg.connect(database_url) as conn:
            at = listing.parameters(user_id, ListFilter(), limit=1, offset=DEPTH, after=None)
            row = conn.execute(listing.page_query(ListFilter(), NEWEST, keyset=False), at).fetchone()
        assert row is not None, "the heavy user has fewer tasks than the depth"
        self.deep_after = After(row[-1], row[1])  # sort_key is the last column, id the second

    def run(self, case: Case, connections: int, duration: int) -> dict[str, Any]:
        query = {**case.query, **({"cursor": self.deep_cursor} if case.cursor else {})}
        url = f"{self.api}?{urlencode(query)}" if query else self.api
        result = wrk(url, self.token, connections, duration)
        after = self.deep_after if case.cursor else None
        params = listing.parameters(
            self.user_id, case.filters, limit=LIMIT + 1, offset=case.offset, after=after
        )
        tps = {}
        sent = statements(self.database_url, case, params)
        for mode in ("prepared", "simple"):
            script, defines = pgbench_script(case, sent, self.folder, mode)
            tps[mode] = pgbench(self.database_url, script, defines, mode, connections, duration)
        result["ratio"] = result["rps"] / tps["prepared"]
        errors = result["errors"] + result["non2xx"]
        print(
            f"{case.name:<12}{connections:>6}{result['rps']:>9.0f}{result['p50'] / 1000:>8.1f}"
            f"{result['p95'] / 1000:>8.1f}{result['p99'] / 1000:>8.1f}{errors:>7}"
            f"{tps['prepared']:>14.0f}{tps['simple']:>9.0f}{result['ratio']:>10.2f}",
            flush=True,
        )
        return result


def report_targets(results: dict[tuple[str, int], dict[str, Any]], conns: list[int]) -> None:
    print("\ntargets (reported, not enforced):")
    for name in ("default", "filtered", "search"):
        if (r := results.get((name, 16))) is not None:
            print(f"  {name} p95 at 16 conns {r['p95'] / 1000:.1f} ms (target <= 25)")
        if (r := results.get((name, 64))) is not None:
            print(f"  {name} p99 at 64 conns {r['p99'] / 1000:.1f} ms (target <= 60)")
    for name in ("common", "rare", "prefix mil", "two words", "typo"):
        if (r := results.get((name, 16))) is not None:
            p95, ratio = r["p95"] / 1000, r["ratio"]
            print(
                f"  {name} at 16 conns: p95 {p95:.1f} ms (target <= 20), API / pgbench {ratio:.2f} (>= 0.5)"
            )
    for n in conns:
        if (r := results.get(("default", n))) is not None:
            print(f"  default listing API / pgbench prepared at {n} conns: {r['ratio']:.2f} (target >= 0.5)")
        first, deep = results.get(("default", n)), results.get(("cursor 40k", n))
        if first and deep:
            ratio = deep["p50"] / first["p50"]
            print(f"  cursor 40k p50 / first page p50 at {n} conns: {ratio:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
