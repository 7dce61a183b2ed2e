"""gunicorn settings for taskapi; every value comes from taskapi's checked settings."""

from taskapi.config import load_config_or_exit
from taskapi.logs import JsonFormatter

_config = load_config_or_exit()  # a bad setting stops here, in the master, with one line

bind = _config.bind
workers = _config.workers
threads = _config.threads
worker_class = "gthread" if _config.threads > 1 else "sync"
preload_app = False  # each worker builds its app (and pool) after the fork
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 10_000
max_requests_jitter = 1_000
# gunicorn 27 opens a runtime control socket under $HOME by default; several instances on one
# host would share it, and we manage workers with signals
control_socket_disable = True
accesslog = None  # taskapi logs one JSON line per request itself
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


def post_worker_init(worker):
    """Open this worker's pool now that it runs in its own process."""
    db = getattr(worker.wsgi, "db", None)
    if db is not None:
        db.open()


def worker_exit(server, worker):
    db = getattr(worker.wsgi, "db", None)
    if db is not None:
        db.close()
