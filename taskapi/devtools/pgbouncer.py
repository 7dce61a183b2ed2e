"""A real PgBouncer on a free loopback port in front of a local PostgreSQL: for the tests (poolers, and
the suite's pooled pass) and the benchmark's --pgbouncer runs."""

from __future__ import annotations

import os
import pwd
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

import psycopg

from taskapi.devtools.gunicorn import free_port
from taskapi.devtools.localdb import postgres_reachable_tempdir

PGBOUNCER = Path("/usr/sbin/pgbouncer")
START_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class PgBouncer:
    url: str  # the upstream URL with PgBouncer's host and port instead
    log_file: Path

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def route(self, database_url: str) -> str:
        """`database_url` (a database of the upstream server) by way of this PgBouncer."""
        netloc = urlsplit(self.url).netloc
        return urlunsplit(urlsplit(database_url)._replace(netloc=netloc))

    def show(self, what: str) -> list[dict[str, str]]:
        """`SHOW <what>` (CLIENTS, SERVERS, POOLS...) on the admin console, as rows."""
        admin = urlunsplit(urlsplit(self.url)._replace(path="/pgbouncer"))
        with psycopg.connect(admin, autocommit=True) as conn:
            result = conn.pgconn.exec_(f"SHOW {what}".encode())  # the console speaks simple protocol only
            names = [(result.fname(i) or b"").decode() for i in range(result.nfields)]
            return [
                {name: (result.get_value(row, i) or b"").decode() for i, name in enumerate(names)}
                for row in range(result.ntuples)
            ]


@contextmanager
def pgbouncer(
    upstream_url: str, *, pool_mode: str = "transaction", pool_size: int = 20, port: int | None = None
) -> Iterator[PgBouncer]:
    """PgBouncer in `pool_mode` with `pool_size` server connections per database/user, on `port`
    (default: a free one), in front of the server of `upstream_url` (any of its databases), run
    as the `postgres` OS user under root (it refuses root); stopped afterwards. Fails, never
    skips, when the binary is missing."""
    if not PGBOUNCER.is_file():
        raise RuntimeError(f"{PGBOUNCER} not found: install it (apt-get install -y pgbouncer, or make test)")
    parts = urlsplit(upstream_url)
    port = port or free_port()
    with postgres_reachable_tempdir() as folder:
        home = folder / "pgbouncer"
        home.mkdir()
        _write_config(
            home, parts.hostname or "127.0.0.1", parts.port or 5432, port, pool_mode, pool_size, parts
        )
        owner = _owner()
        if owner is not None:
            os.chown(home, owner.pw_uid, owner.pw_gid)
        command = [str(PGBOUNCER), str(home / "pgbouncer.ini")]
        if owner is not None:
            command = ["runuser", "-u", owner.pw_name, "--", *command]
        process = subprocess.Popen(
            command, cwd="/", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        bouncer = PgBouncer(urlunsplit(parts._replace(netloc=_netloc(parts, port))), home / "pgbouncer.log")
        try:
            _wait_until_ready(bouncer, process)
            yield bouncer
        finally:
            _stop(process)


def _write_config(
    home: Path, host: str, upstream_port: int, port: int, pool_mode: str, pool_size: int, parts: SplitResult
) -> None:
    user = unquote(parts.username or "postgres")
    password = unquote(parts.password or "")
    # the client's password (trusted here) is what PgBouncer logs in to the server with
    (home / "userlist.txt").write_text(f'"{user}" "{password}"\n')
    (home / "pgbouncer.ini").write_text(
        f"""[databases]
* = host={host} port={upstream_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
admin_users = {user}
auth_file = {home / "userlist.txt"}
pool_mode = {pool_mode}
default_pool_size = {pool_size}
max_client_conn = 500
logfile = {home / "pgbouncer.log"}
pidfile = {home / "pgbouncer.pid"}
server_reset_query = DISCARD ALL
"""
    )


def _owner() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise RuntimeError("as root, PgBouncer needs a 'postgres' OS user to run as") from None


def _netloc(parts: SplitResult, port: int) -> str:
    user, password = parts.username, parts.password
    auth = f"{user}:{password}@" if password else f"{user}@" if user else ""
    return f"{auth}127.0.0.1:{port}"


def _wait_until_ready(bouncer: PgBouncer, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        if process.poll() is not None:
            errors = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise RuntimeError(f"pgbouncer exited with {process.returncode}: {errors}{bouncer.log()}")
        try:
            with psycopg.connect(bouncer.url, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"pgbouncer did not accept connections in time: {exc}\n{bouncer.log()}"
                ) from exc
        time.sleep(0.1)


def _stop(process: subprocess.Popen[bytes]) -> None:
    # its own session (start_new_session): the group holds runuser and pgbouncer, nothing else
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
