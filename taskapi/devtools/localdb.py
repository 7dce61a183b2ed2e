"""A private PostgreSQL cluster in a local folder, for development and tests."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

_PORT_FILE = "taskapi.port"  # the port chosen on the first start, reused by every later start
_CONF_FILE = "taskapi.conf"  # our settings, rewritten on each start, included by postgresql.conf
_LOG_FILE = "server.log"
_SOCKET_PATH_MAX = 107  # sun_path is 108 bytes; the server refuses a longer socket path


class LocalClusterError(RuntimeError):
    """The local cluster cannot be found, created, started or stopped."""


def find_bindir() -> Path:
    """The folder of the server programs: from pg_config, else PATH, else the newest Debian one."""
    candidates: list[Path] = []
    if pg_config := shutil.which("pg_config"):  # libpq-dev's pg_config answers without a server
        done = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidates += [Path(done.stdout.strip())] if done.returncode == 0 else []
    if pg_ctl := shutil.which("pg_ctl"):
        candidates.append(Path(pg_ctl).resolve().parent)
    candidates += sorted(map(Path, glob.glob("/usr/lib/postgresql/*/bin")), key=_version, reverse=True)
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in ("pg_ctl", "initdb", "postgres")):
            return bindir
    raise LocalClusterError(
        "PostgreSQL server binaries not found (pg_ctl); install them: apt-get install -y postgresql"
    )


def _version(bindir: Path) -> list[int]:
    return [int(n) for n in bindir.parent.name.split(".") if n.isdigit()]


class LocalCluster:
    """A PostgreSQL cluster in a folder of ours, started from the local binaries.

    PostgreSQL refuses to run as root, so under root the server programs run as the ``postgres``
    OS user (``runuser``), the data folder is chowned to it, and each parent folder must be
    searchable by it: ``/tmp/x`` works, ``/root/x`` does not, and we say so (LocalClusterError)
    rather than loosen the permissions of someone's home.

    ``durable=False`` turns fsync and full_page_writes off: fine for throwaway test clusters
    (committed rows survive a server crash or an immediate stop, not an OS crash), never for
    data anyone cares about. synchronous_commit stays on: off, an immediate stop loses the last
    acknowledged commits, which a restart-under-load test would report as lost writes.
    """

    def __init__(
        self,
        datadir: Path,
        *,
        port: int | None = None,
        dbname: str = "taskapi",
        durable: bool = True,
        max_connections: int = 200,
    ) -> None:
        self.datadir = Path(datadir).absolute()
        self.dbname = dbname
        self.durable = durable
        self.max_connections = max_connections
        self._port = port
        self._bindir = find_bindir()
        self._owner: pwd.struct_passwd | None = None  # the OS user to run the server as, when root
        if os.geteuid() == 0:
            try:
                self._owner = pwd.getpwnam("postgres")
            except KeyError:
                raise LocalClusterError("as root, PostgreSQL needs a 'postgres' OS user to run as") from None

    @property
    def url(self) -> str:
        port = self._port or self._saved_port()
        if port is None:
            raise LocalClusterError(f"the cluster in {self.datadir} has never been started")
        return f"postgresql://postgres@127.0.0.1:{port}/{self.dbname}"

    def start(self) -> str:
        """Create the cluster when missing, start it unless running, create the database; the URL."""
        self._prepare_datadir()
        if not (self.datadir / "PG_VERSION").exists():
            self._initdb()
        saved = self._saved_port()
        if self.is_running():
            if self._port not in (None, saved):
                raise LocalClusterError(f"{self.datadir} is already running, on port {saved}")
            self._port = saved
        else:
            self._port = self._port or saved or _free_port()
            self._write_settings()
            self._pg_ctl("start", "-w", "-t", "60", "-l", str(self.datadir / _LOG_FILE))
        self._create_database()
        return self.url

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (pg_ctl's smart, fast or immediate mode); nothing when not running."""
        if self.is_running():
            self._pg_ctl("stop", "-w", "-t", "60", "-m", mode)

    def restart(self, mode: str = "fast") -> None:
        """Stop with ``mode`` and start again on the same port (immediate means crash recovery)."""
        self.stop(mode)
        self.start()

    def is_running(self) -> bool:
        initialised = (self.datadir / "PG_VERSION").exists()
        return initialised and self._pg_ctl("status", check=False).returncode == 0

    def _prepare_datadir(self) -> None:
        self.datadir.mkdir(parents=True, exist_ok=True)
        if self._owner is None:
            return
        if not (self.datadir / "PG_VERSION").exists():
            os.chown(self.datadir, self._owner.pw_uid, self._owner.pw_gid)
        if self._run(["test", "-x", str(self.datadir)], check=False).returncode != 0:
            raise LocalClusterError(
                f"the 'postgres' OS user cannot reach {self.datadir} (as root, PostgreSQL runs as "
                "'postgres'): put the data folder where every parent folder is searchable by "
                "others (e.g. under /tmp), or chmod o+x those parent folders"
            )

    def _initdb(self) -> None:
        args = [str(self._bindir / "initdb"), "-D", str(self.datadir), "-U", "postgres", "-A", "trust"]
        self._run([*args, "-E", "UTF8", "--locale=C", *([] if self.durable else ["--no-sync"])])
        with open(self.datadir / "postgresql.conf", "a") as conf:
            conf.write(f"\ninclude_if_exists = '{_CONF_FILE}'\n")

    def _write_settings(self) -> None:
        socket_dir = str(self.datadir)
        if len(socket_dir) + len("/.s.PGSQL.65535") > _SOCKET_PATH_MAX:
            socket_dir = ""  # too long a path for a unix socket: TCP only
        settings = {
            "port": str(self._port),
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": socket_dir,
            "max_connections": str(self.max_connections),
        }
        if not self.durable:
            settings |= {"fsync": "off", "full_page_writes": "off"}
        conf = "".join(f"{key} = {_quoted(value)}\n" for key, value in settings.items())
        for name, text in ((_CONF_FILE, conf), (_PORT_FILE, f"{self._port}\n")):
            (self.datadir / name).write_text(text)
            if self._owner is not None:
                os.chown(self.datadir / name, self._owner.pw_uid, self._owner.pw_gid)

    def _saved_port(self) -> int | None:
        try:
            return int((self.datadir / _PORT_FILE).read_text())
        except (FileNotFoundError, ValueError):
            return None

    def _create_database(self) -> None:
        # `pg_ctl start -w` has returned, so the server accepts connections (recovery included).
        admin_url = self.url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.dbname,)).fetchone():
                return
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):  # another process won the race
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.dbname)))

    def _pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self._run([str(self._bindir / "pg_ctl"), "-D", str(self.datadir), *args], check=check)

    def _run(self, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        program = Path(args[0]).name
        if self._owner is not None:
            args = ["runuser", "-u", "postgres", "--", *args]
        # cwd "/": the postgres user may not be allowed into the caller's working directory
        done = subprocess.run(args, capture_output=True, text=True, cwd="/", timeout=120)
        if check and done.returncode != 0:
            output = (done.stderr or done.stdout).strip()
            raise LocalClusterError(f"{program} failed: {' '.join(args)}\n{output}{self._log_tail()}")
        return done

    def _log_tail(self, lines: int = 20) -> str:
        log = self.datadir / _LOG_FILE
        tail = log.read_text(errors="replace").splitlines()[-lines:] if log.exists() else []
        return f"\n--- last lines of {log} ---\n" + "\n".join(tail) if tail else ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _quoted(value: str) -> str:
    """A postgresql.conf string value."""
    return "'" + value.replace("'", "''") + "'"


@contextmanager
def postgres_reachable_tempdir() -> Iterator[Path]:
    """A temporary folder that the ``postgres`` OS user can enter too (it runs the server under root)."""
    folder = tempfile.mkdtemp(prefix="taskapi-pg-")
    try:
        if os.geteuid() == 0:
            os.chmod(folder, 0o711)  # noqa: S103 - mkdtemp makes it 0700; postgres only passes through
        yield Path(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
