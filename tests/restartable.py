"""A PostgreSQL of our own that tests may stop and restart, apart from the session's database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from taskapi.db import migrations
from taskapi.devtools.localdb import LocalCluster, postgres_reachable_tempdir
from tests.postgres import Database


@contextmanager
def restartable_database() -> Iterator[Database]:
    """A fresh migrated cluster from the local binaries (needed: we restart it), stopped afterwards."""
    with postgres_reachable_tempdir() as folder:
        cluster = LocalCluster(folder / "data", dbname="taskapi_outage", durable=False)
        try:
            url = cluster.start()
            migrations.apply(url)
            yield Database(url, cluster)
        finally:
            cluster.stop("immediate")
