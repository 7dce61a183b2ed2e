"""Command line: `python -m taskapi serve | deliver | migrate [--rollback [--all]] | token USER_ID`."""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
from pathlib import Path

from taskapi.config import load_local_settings

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / ".data"
DEV_SECRET_FILE = DATA_DIR / "jwt-secret"


def _dev_secret() -> str:
    """JWT_SECRET, or for local use a secret generated once and kept in .data/."""
    if (secret := load_local_settings().jwt_secret) is not None:
        return secret
    if not DEV_SECRET_FILE.exists():
        DATA_DIR.mkdir(exist_ok=True)
        DEV_SECRET_FILE.write_text(secrets.token_urlsafe(48))
        DEV_SECRET_FILE.chmod(0o600)
    return DEV_SECRET_FILE.read_text().strip()


def _database_url() -> str:
    """DATABASE_URL, or a local PostgreSQL cluster under .data/postgres, created and started here."""
    if (url := load_local_settings().database_url) is not None:
        return url
    from taskapi.devtools.localdb import LocalCluster, LocalClusterError

    try:
        url = LocalCluster(DATA_DIR / "postgres").start()
    except LocalClusterError as exc:
        sys.exit(f"taskapi: {exc}")
    print(f"taskapi: DATABASE_URL unset, using the local cluster at {url}", file=sys.stderr)
    return url


def serve() -> None:
    from taskapi.db import migrations

    # the settings gunicorn's workers will read, completed for local use
    url = os.environ["DATABASE_URL"] = _database_url()
    local = load_local_settings()
    if local.jwt_secret is None and local.jwt_jwks_url is None:
        os.environ["JWT_SECRET"] = _dev_secret()
        print(
            "taskapi: JWT_SECRET unset, using a dev secret; get a token with "
            "`python -m taskapi token USER_ID`",
            file=sys.stderr,
        )
    applied = migrations.apply(url)
    print(f"taskapi: migrations applied: {', '.join(applied) or 'none pending'}", file=sys.stderr)
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "taskapi.app:app"]
    os.chdir(ROOT)
    # the webhook worker beside gunicorn: gunicorn becomes this process (same pid), and the worker
    # stops when it is gone
    subprocess.Popen([sys.executable, "-m", "taskapi", "deliver", "--parent-pid", str(os.getpid())])
    os.execv(sys.executable, gunicorn)


def deliver(parent_pid: int | None) -> None:
    from taskapi.config import load_config_or_exit
    from taskapi.logs import configure_logging
    from taskapi.webhooks.worker import Worker

    os.environ["DATABASE_URL"] = _database_url()
    config = load_config_or_exit(verifies_tokens=False)
    configure_logging(config.log_level)
    Worker(config, parent_pid=parent_pid).run()


def migrate(rollback: bool, everything: bool) -> None:
    from taskapi.config import load_config_or_exit
    from taskapi.db import migrations

    url = load_local_settings().database_url or load_config_or_exit().database_url
    if rollback:
        done = migrations.rollback(url, everything=everything)
        print(f"rolled back: {', '.join(done) or 'nothing'}")
    else:
        done = migrations.apply(url)
        print(f"applied: {', '.join(done) or 'nothing pending'}")


def token(user_id: str, ttl_seconds: int) -> None:
    from taskapi.auth import issue_dev_token

    local = load_local_settings()
    print(
        issue_dev_token(
            _dev_secret(),
            user_id,
            ttl_seconds=ttl_seconds,
            issuer=local.jwt_issuer,
            audience=local.jwt_audience,
        )
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m taskapi")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run gunicorn (with a local PostgreSQL when DATABASE_URL is unset)")
    deliver_cmd = commands.add_parser(
        "deliver", help="run a webhook delivery worker (any number may run, on any machines)"
    )
    deliver_cmd.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)
    migrate_cmd = commands.add_parser("migrate", help="apply pending migrations (or roll back)")
    migrate_cmd.add_argument("--rollback", action="store_true", help="roll back the newest migration")
    migrate_cmd.add_argument("--all", action="store_true", help="with --rollback: roll back every migration")
    token_cmd = commands.add_parser("token", help="print a dev token (HS256, JWT_SECRET) for USER_ID")
    token_cmd.add_argument("user_id")
    token_cmd.add_argument("--ttl", type=int, default=3600, help="seconds until it expires (default 3600)")
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve()
    elif args.command == "deliver":
        deliver(args.parent_pid)
    elif args.command == "migrate":
        migrate(args.rollback, args.all)
    else:
        token(args.user_id, args.ttl)


if __name__ == "__main__":
    main()
