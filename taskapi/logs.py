"""Logging: one JSON object per line, on stderr, for the app and gunicorn alike."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import orjson

# attributes every LogRecord has; anything else was passed with `extra=` and goes into the line
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Never fails: a line always gets written, whatever text or objects a record carries."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": _message(record),
        }
        line.update((k, v) for k, v in record.__dict__.items() if k not in _STANDARD)
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        try:
            return orjson.dumps(line, default=_text).decode()
        except (TypeError, orjson.JSONEncodeError):
            # text that is not valid UTF-8 (a lone surrogate from a hostile request): json escapes it
            return json.dumps(line, default=_text, ensure_ascii=True)


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
