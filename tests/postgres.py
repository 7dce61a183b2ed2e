"""Where the tests get a real, empty PostgreSQL database: an existing server, Docker, or local binaries."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from taskapi.devtools.localdb import LocalCluster, postgres_reachable_tempdir


@dataclass(frozen=True)
class Database:
    """A throwaway database; ``cluster`` is set when we run the server ourselves (it can be restarted)."""

    url: str
    cluster: LocalCluster | None = None


@contextmanager
def throwaway_database() -> Iterator[Database]:
    """A fresh empty database, removed afterwards: TEST_DATABASE_URL, else Docker, else local binaries."""
    with ExitStack() as cleanup:
        yield _acquire(cleanup)


def _acquire(cleanup: ExitStack) -> Database:
    if server := os.environ.get("TEST_DATABASE_URL"):
        return Database(_create_database(server, cleanup))  # asked for explicitly: its errors surface
    tried = ["TEST_DATABASE_URL: not set"]
    for name, source in (("Docker (testcontainers)", _docker), ("local PostgreSQL binaries", _local)):
        with ExitStack() as attempt:
            try:
                database = source(attempt)
            except Exception as exc:  # any failure: try the next source, and report this one
                tried.append(f"{name}: {type(exc).__name__}: {exc}".strip())
                continue
            cleanup.push(attempt.pop_all())
            return database
    raise RuntimeError(
        "No PostgreSQL server for the tests. Tried:\n  - " + "\n  - ".join(tried) + "\n"
        "Fix one of them: install the server binaries (apt-get install -y postgresql), or set "
        "TEST_DATABASE_URL=postgresql://USER:PASSWORD@HOST:PORT/postgres (a role allowed to CREATE DATABASE)."
    )


def _create_database(server_url: str, cleanup: ExitStack) -> str:
    name = f"taskapi_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    cleanup.callback(_drop_database, server_url, name)
    if "://" in server_url:
        return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    return psycopg.conninfo.make_conninfo(server_url, dbname=name)


def _drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _docker(cleanup: ExitStack) -> Database:
    # Fails in well under a second with docker.errors.DockerException when no engine answers.
    from testcontainers.community.postgres import PostgresContainer

    container = cleanup.enter_context(PostgresContainer("postgres:16-alpine", driver=None))
    return Database(container.get_connection_url())


def _local(cleanup: ExitStack) -> Database:
    folder = cleanup.enter_context(postgres_reachable_tempdir())
    cluster = LocalCluster(folder / "data", dbname="taskapi_test", durable=False)
    cleanup.callback(cluster.stop, "immediate")
    return Database(cluster.start(), cluster)


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """Another empty database on the server of `server_url`, dropped afterwards."""
    with ExitStack() as cleanup:
        yield _create_database(server_url, cleanup)
