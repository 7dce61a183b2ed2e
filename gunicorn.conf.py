"""gunicorn settings for taskapi in production; every value comes from taskapi's checked settings.

Concurrency: WEB_CONCURRENCY processes x WEB_THREADS threads each (gthread). The defaults, 2 x 4,
suit a 2-core machine: the work is mostly waiting on PostgreSQL, so threads overlap it while the
two processes use both cores. Each worker has its own pool of at most DB_POOL_MAX_SIZE connections
(default: WEB_THREADS, one per thread), so the database sees at most

    WEB_CONCURRENCY x DB_POOL_MAX_SIZE  (+ one worker's pool while a worker is being replaced)

connections, which must fit its connection budget (e.g. Neon's max_connections for the compute
size, less what migrations and consoles need).
"""

import gc
import os
import shutil
import tempfile
from pathlib import Path

from gunicorn.glogging import Logger

from taskapi import drain
from taskapi.config import load_config_or_exit
from taskapi.logs import JsonFormatter

_config = load_config_or_exit()  # a bad setting stops here, in the master, with one line

# 127.0.0.1:8000 unless BIND/PORT say otherwise; clients reach it only through nginx
# (docs/deploy.md): once a request has started, gunicorn reads it with no deadline
bind = _config.bind
workers = _config.workers
threads = _config.threads
worker_class = "gthread" if _config.threads > 1 else "sync"
preload_app = False  # each worker builds its app (and pool) after the fork
timeout = 30  # a worker silent this long is killed and replaced (statements stop at 5 s anyway)
# SIGTERM: /health answers 503 "draining" for DRAIN_SECONDS while requests are still served (see
# when_ready), then stop accepting and let in-flight requests finish for up to this long, then exit
graceful_timeout = 30
keepalive = 5
# the longest request line gunicorn allows (default 4094): a 500-character search in a non-Latin
# script is 3000-6000 bytes once percent-encoded; longer lines get gunicorn's 414
limit_request_line = 8190
# no recycling unless WEB_MAX_REQUESTS asks for it: at 1,000 requests/s a replacement every few
# seconds was the worst of the tail latency (the worker rebuilds its app and pool while its
# keep-alive connections are closed); a worker's memory stays flat over a long mix (bench/README.md)
max_requests = _config.max_requests
max_requests_jitter = _config.max_requests // 10
_SHM = "/dev/shm"  # noqa: S108 - gunicorn's own heartbeat files, created with mkstemp
if Path(_SHM).is_dir():
    worker_tmp_dir = _SHM  # the heartbeat file on tmpfs: a slow container disk cannot stall it
# gunicorn 27 opens a runtime control socket under $HOME by default; several instances on one
# host would share it, and we manage workers with signals
control_socket_disable = True
accesslog = None  # taskapi logs one JSON line per request itself


class _WithoutAccessLog(Logger):
    """gunicorn's logger without its access line. With a logconfig_dict gunicorn counts its access
    log as on and builds the line's fields for every request (a tenth of a worker's time on
    GET /api/v1/tasks/{id}) only to drop them: no handler takes gunicorn.access."""

    @property
    def access_log_enabled(self):
        return False


logger_class = _WithoutAccessLog
loglevel = _config.log_level.lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": JsonFormatter}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"level": _config.log_level, "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": _config.log_level, "handlers": ["stderr"], "propagate": False},
    },
}

# Prometheus multiprocess mode: every worker writes its samples to files here, /metrics merges
# them. It must be in the environment before a worker imports prometheus_client.
_metrics_dir_given = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
_metrics_dir = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="taskapi-metrics-"))
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics_dir)


def on_starting(server):
    """Start with an empty metrics directory: an earlier run's files would add to our counts."""
    _metrics_dir.mkdir(parents=True, exist_ok=True)
    for stale in _metrics_dir.glob("*.db"):
        stale.unlink()


def when_ready(server):
    """The master is about to fork its workers: make its SIGTERM drain first."""
    drain.install(server, _config.drain_seconds)


def post_worker_init(worker):
    """Open this worker's pool and start its readiness pings now that it runs in its own process;
    then leave the app's own objects (routes, schemas, the OpenAPI document: they live as long as
    the worker) out of the garbage collector's full passes, which then walk only what requests
    left behind."""
    app = worker.wsgi
    if hasattr(app, "db"):
        app.db.open()
        app.monitor.start()
    gc.collect()
    gc.freeze()


def worker_exit(server, worker):
    """Close the pool (after the in-flight requests finished): connections end cleanly."""
    app = getattr(worker, "wsgi", None)  # None: stopped while it was still loading the app
    if hasattr(app, "db"):
        app.close()


def child_exit(server, worker):
    """Drop the dead worker's live gauges (pool size); its counters stay in the totals."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if not _metrics_dir_given:
        shutil.rmtree(_metrics_dir, ignore_errors=True)
