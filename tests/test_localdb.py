"""LocalCluster really runs PostgreSQL from the local binaries (no mocks, no skips)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from taskapi.devtools.localdb import LocalCluster, postgres_reachable_tempdir


@pytest.fixture
def datadir() -> Iterator[Path]:
    with postgres_reachable_tempdir() as folder:
        yield folder / "data"
        # Whatever a test left running goes down before its folder is removed.
        LocalCluster(folder / "data").stop("immediate")


def test_cluster_keeps_committed_rows_across_an_immediate_restart(datadir: Path) -> None:
    cluster = LocalCluster(datadir, durable=False)
    url = cluster.start()
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE notes (body text)")
        conn.execute("INSERT INTO notes VALUES ('kept')")

    cluster.restart(mode="immediate")

    assert cluster.url == url
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT body FROM notes").fetchall() == [("kept",)]
    cluster.stop()
    assert not cluster.is_running()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)


def test_starting_again_reuses_the_cluster_and_its_port(datadir: Path) -> None:
    first = LocalCluster(datadir, dbname="app")
    url = first.start()
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE marker ()")
    first.stop()

    second = LocalCluster(datadir, dbname="app")
    assert second.start() == url
    assert second.start() == url  # already running: nothing to do
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT to_regclass('marker') IS NOT NULL").fetchone() == (True,)
    second.stop("fast")
