"""Running the load tools (wrk against HTTP, pgbench against PostgreSQL) and reading their figures."""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

LUA = Path(__file__).with_name("taskapi.lua")
WRK_THREADS = 2  # one per core: more only adds context switches on this 2-core machine


@dataclass
class Figures:
    """One run: throughput, latency percentiles in milliseconds, and what went wrong."""

    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors, 5xx, and 4xx other than an expected 412
    statuses: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def wrk(base_url: str, scenario: str, data_file: Path | None, connections: int, seconds: float) -> Figures:
    tool = shutil.which("wrk")
    if tool is None:
        raise SystemExit("bench: wrk not found; install it: apt-get install -y wrk")
    args = [
        tool,
        "-t",
        str(min(WRK_THREADS, connections)),
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        base_url,
        "--",
        scenario,
    ]
    if data_file is not None:
        args.append(str(data_file))
    done = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    result = json.loads(line.removeprefix("RESULT "))
    statuses = {str(k): v for k, v in result["statuses"].items()}
    failed = sum(n for s, n in statuses.items() if not s.startswith("2") and s != "412")
    return Figures(
        rps=result["requests"] / (result["duration_us"] / 1e6),
        p50_ms=result["p50_us"] / 1000,
        p95_ms=result["p95_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        requests=result["requests"],
        errors=failed + result["socket_errors"],
        statuses=statuses,
    )


def pgbench(
    pgbench_path: str, url: str, scripts: list[tuple[str, int]], connections: int, seconds: float, mode: str
) -> Figures:
    """Run `scripts` (text and weight; each run is one transaction of the API's, picked at random by
    weight) with per-transaction latency logs."""
    with tempfile.TemporaryDirectory(prefix="taskapi-pgbench-") as tmp:
        folder = Path(tmp)
        files = []
        for n, (text, weight) in enumerate(scripts):
            path = folder / f"script{n}.sql"
            path.write_text(text)
            files += ["-f", f"{path}@{weight}"]
        args = [
            pgbench_path,
            "-n",
            "-c",
            str(connections),
            "-j",
            "2",
            "-T",
            str(int(seconds)),
            "-M",
            mode,
            "-l",
            "--log-prefix",
            str(folder / "log"),
            *files,
            url,
        ]
        done = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 120)
        if done.returncode != 0:
            raise RuntimeError(f"pgbench failed: {done.stderr.strip()[-2000:]}")
        latencies = []
        for log in folder.glob("log.*"):
            for line in log.read_text().splitlines():
                latencies.append(int(line.split()[2]))  # client_id tx_no latency_us script ...
    tps = next(float(ln.split("=")[1].split()[0]) for ln in done.stdout.splitlines() if ln.startswith("tps"))
    failed = next(
        (
            int(ln.split(":")[1].split()[0])
            for ln in done.stdout.splitlines()
            if ln.startswith("number of failed transactions")
        ),
        0,
    )
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return Figures(
        rps=tps,
        p50_ms=cuts[49] / 1000,
        p95_ms=cuts[94] / 1000,
        p99_ms=cuts[98] / 1000,
        requests=len(latencies),
        errors=failed,
    )
