"""schemathesis hooks (SCHEMATHESIS_HOOKS) for tests/test_schemathesis.py: the schema-valid requests
left out because they break a rule the OpenAPI document states in words but OpenAPI 3.0's JSON
Schema cannot express, each filter naming its rule (the operations' descriptions state them too).

Only positive cases (those schemathesis expects the API to accept) are filtered. Nothing here calls
taskapi's validation: the rules are re-read from their documented wording, with the standard
library and dateutil, so a server that refuses (or accepts) the wrong thing still fails the run.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jsonschema_rs
import schemathesis
from dateutil.rrule import rrule, rrulestr
from schemathesis.generation import GenerationMode

TASK_ITEM = "/api/v1/tasks/{task_id}"
# body fields that name one of the caller's lists or tasks (the documented rule: an absent or
# another user's one is a 400 naming the field), which a generated id almost never is
NAMED_IDS = ("list_id", "parent_id", "after")
WEBHOOKS = "/api/v1/webhooks"
# a PATCH is checked once merged into the stored task, which a generated case cannot see
SCHEDULE = ("due_date", "reminder_at", "recurrence_rule", "timezone")
# how far the search for a rule's first date goes (a rule whose first date lies further out is
# left out too: that only loses a case, it cannot hide a failure)
SEARCH_YEARS = 5


@schemathesis.hook
def filter_case(context: Any, case: Any) -> bool:
    meta = case.meta
    if meta is not None and meta.generation.mode != GenerationMode.POSITIVE:
        return True
    if case.path == "/api/v1/batch":
        # what a batch accepts is each operation's route's own rules (a route it runs, a body that
        # route takes, a ref to an earlier operation), which the document states in words
        return False
    return _parameters_as_documented(case) and _query_as_documented(case) and _body_as_documented(case)


def _parameters_as_documented(case: Any) -> bool:
    """schemathesis' coverage phase builds its combination cases ("All required properties and
    optional 'tags'") from one seed value per parameter, and when it drew no valid value for one
    (an ETag pattern needs quotes, which it never puts in a header) it sends the invalid seed in a
    case it calls positive: keep only query and header values the document's own schemas admit."""
    document = case.operation.schema.raw_schema
    operation = document["paths"][case.path][case.method.lower()]
    for parameter in operation.get("parameters", []):
        if "$ref" in parameter:
            parameter = document["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
        sent = (
            case.query if parameter["in"] == "query" else case.headers if parameter["in"] == "header" else {}
        )
        value = (sent or {}).get(parameter["name"])
        if value is not None and not _admits(parameter["schema"], value):
            return False
    return True


def _admits(schema: dict[str, Any], value: Any) -> bool:
    """Whether a parameter's schema admits a value as sent (text, or a comma-separated list)."""
    if isinstance(value, str):
        kind = schema.get("type")
        if kind == "array":
            value = value.split(",")
        elif kind == "integer":
            value = int(value) if re.fullmatch("-?[0-9]+", value) else value
        elif kind == "boolean":
            value = {"true": True, "false": False}.get(value, value)
    return bool(jsonschema_rs.validator_for(schema).is_valid(value))


def _query_as_documented(case: Any) -> bool:
    query = case.query or {}
    if case.path in ("/api/v1/tasks", "/api/v1/sync") and "cursor" in query:
        return False  # a cursor is one the server issued (400 otherwise); links pass real ones
    if case.path != "/api/v1/tasks" or case.method != "GET":
        return True
    # GET /api/v1/tasks: sort_by=relevance needs a search (q, not blank)
    if query.get("sort_by") == "relevance" and not str(query.get("q") or "").strip():
        return False
    # GET /api/v1/tasks: due_date_to must not be before due_date_from
    start, end = (_query_moment(query.get(name)) for name in ("due_date_from", "due_date_to"))
    return start is None or end is None or start <= end


def _webhook_url_as_documented(url: Any) -> bool:
    """A subscription's `url`: https, a host, no credentials or fragment, and every address the
    host resolves to public (the test server allows neither http nor private targets)."""
    if not isinstance(url, str):
        return True  # the schema's own business
    parts = urlsplit(url.strip())
    try:
        if parts.scheme != "https" or not parts.hostname or parts.username is not None or parts.fragment:
            return False
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        return False
    return all(ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_global for info in infos)


def _body_as_documented(case: Any) -> bool:
    body = case.body
    if not (case.method in ("POST", "PUT", "PATCH") and isinstance(body, dict)):
        return True
    if any(body.get(name) is not None for name in NAMED_IDS):
        return False  # a list or task the caller holds (400 naming the field otherwise): state
    if case.path.startswith(WEBHOOKS):
        return "url" not in body or _webhook_url_as_documented(body["url"])
    if case.path not in ("/api/v1/tasks", TASK_ITEM):
        return True
    if case.method == "PATCH":
        touched = [name for name in SCHEDULE if name in body]
        if not touched:
            return True
        # PATCH: the schedule is checked merged with the stored task; only one sent whole is known
        if len(touched) < len(SCHEDULE):
            return False
    due, reminder = _moment(body.get("due_date")), _moment(body.get("reminder_at"))
    rule, zone = body.get("recurrence_rule"), body.get("timezone") or "UTC"
    if due is not None and reminder is not None and reminder > due:
        return False  # reminder_at must not be after due_date
    if rule is None:
        return True
    return due is not None and _usable_rule(rule, due, zone)  # a recurring task needs a due_date


def _usable_rule(text: str, due: datetime, zone: str) -> bool:
    """The RRULE rules the pattern cannot state: each part at most once, not both UNTIL and COUNT,
    UNTIL a real date, and the rule, started at due_date in the task's zone, produces a date."""
    rule = text.strip().upper().removeprefix("RRULE:")
    parts = dict(part.split("=", 1) for part in rule.split(";"))
    if len(parts) != rule.count(";") + 1 or ("UNTIL" in parts and "COUNT" in parts):
        return False
    try:
        start = due.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    except OverflowError:
        return True  # the server's to handle (as a 4xx); keep the case
    parts.pop("COUNT", None)  # a first date exists or not whatever the COUNT
    horizon = start + timedelta(days=366 * SEARCH_YEARS) if start.year < 9999 - SEARCH_YEARS else datetime.max
    if "UNTIL" in parts:
        until = _until(parts.pop("UNTIL"), ZoneInfo(zone))
        if until is None:
            return False
        horizon = min(horizon, until)
    series = rrulestr(";".join(f"{k}={v}" for k, v in parts.items()), dtstart=start)
    assert isinstance(series, rrule)
    return next(iter(series.replace(until=horizon)), None) is not None


def _until(value: str, zone: ZoneInfo) -> datetime | None:
    """UNTIL as wall-clock time in the task's zone: UTC when it ends in Z, floating otherwise, a bare
    date meaning the end of that day; None when it is not a real date."""
    try:
        until = datetime.strptime(value.rstrip("Z") if "T" in value else value + "T235959", "%Y%m%dT%H%M%S")
    except ValueError:
        return None
    if value.endswith("Z"):
        try:
            return until.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None)
        except OverflowError:
            return datetime.max
    return until


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value.upper()) if isinstance(value, str) else None


def _query_moment(value: Any) -> datetime | None:
    # an unencoded `+` arrives as a space, which the API reads as `+`
    return _moment(re.sub(" ", "+", value)) if isinstance(value, str) else None
