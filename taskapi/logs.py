"""Logging: one JSON object per line, on stderr, for the app and gunicorn alike."""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

import orjson

# attributes every LogRecord has; anything else was passed with `extra=` and goes into the line
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Never fails: a line always gets written, whatever text or objects a record carries."""

    def format(self, record: logging.LogRecord) -> str:
        line = _head(record.created, record.levelname, record.name, _message(record))
        line.update((k, v) for k, v in record.__dict__.items() if k not in _STANDARD)
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return _dumps(line).decode()


class AccessLog:
    """The one line per request, as JsonFormatter writes it, in one os.write to stderr.

    It skips what the logging module does per record (a LogRecord, the handler's lock, a flush):
    on the request path that was a lock every thread of a worker queued on. One write of a line
    is never interleaved with another thread's. Written only when the logger `taskapi.access`
    is enabled for INFO (LOG_LEVEL)."""

    def __init__(self, fd: int = 2) -> None:
        self._logger = logging.getLogger("taskapi.access")
        self._fd = fd

    def write(self, fields: dict[str, Any]) -> None:
        if self._logger.isEnabledFor(logging.INFO):
            line = _head(time.time(), "INFO", self._logger.name, "request")
            line.update(fields)
            os.write(self._fd, _dumps(line) + b"\n")


def _head(created: float, level: str, logger: str, message: str) -> dict[str, Any]:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created))
    return {
        "time": f"{stamp}.{int(created % 1 * 1000):03d}Z",
        "level": level,
        "logger": logger,
        "message": message,
    }


def _dumps(line: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(line, default=_text)
    except (TypeError, orjson.JSONEncodeError):
        # text that is not valid UTF-8 (a lone surrogate from a hostile request): json escapes it
        return json.dumps(line, default=_text, ensure_ascii=True).encode()


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except (TypeError, ValueError):  # arguments that do not fit the format
        return _text(record.msg)


def _text(value: object) -> str:
    try:
        return str(value)
    except Exception:  # a log line must not fail on a broken __str__
        return f"<unprintable {type(value).__name__}>"


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
