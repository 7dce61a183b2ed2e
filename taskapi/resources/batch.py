"""/api/v1/batch: a queue of writes (an offline client's) run in order as one transaction, all or
nothing, each operation through the responder of the route it names."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import falcon
import orjson
from falcon.routing import CompiledRouter

from taskapi.db import Database, TransactionConflict
from taskapi.domain.errors import Invalid
from taskapi.http import subrequest
from taskapi.http.idempotency import idempotent
from taskapi.http.media import read_json_object, send_json
from taskapi.openapi.document import Route
from taskapi.openapi.facts import PROBLEM_JSON, TASK_EXAMPLE, json_body, json_response, operation, problems
from taskapi.resources.tasks import TaskCollection
from taskapi.schemas import BATCH_INPUT, flatten_errors, load
from taskapi.store import IdempotencyStore

log = logging.getLogger("taskapi.batch")

# The routes a batch runs: URI template -> the methods allowed on it. Each runs through the app's
# own resource for that template, so an operation is checked, stored and answered exactly as the
# route alone. Reads, sync, exports and the batch itself are not here: a batch is a queue of writes.
BATCH_ROUTES: dict[str, tuple[str, ...]] = {
    "/api/v1/tasks": ("POST",),
    "/api/v1/tasks/{task_id:uuid}": ("PUT", "PATCH", "DELETE"),
    "/api/v1/tasks/{task_id:uuid}/toggle": ("POST",),
    "/api/v1/tasks/{task_id:uuid}/move": ("POST",),
    "/api/v1/lists": ("POST",),
    "/api/v1/lists/{list_id:uuid}": ("PUT", "PATCH", "DELETE"),
    "/api/v1/lists/{list_id:uuid}/move": ("POST",),
}
# the route whose consecutive operations a batch runs as one store call
CREATE = ("POST", "/api/v1/tasks")
# body fields that take an id: `"$<ref>"` there is the id an earlier operation created
ID_FIELDS = ("list_id", "parent_id")
# a batch PostgreSQL rolled back to break a deadlock runs once more before the client gets a 503
CONFLICT_RETRIES = 1
# ... after this pause (seconds). The batch that won the deadlock is woken when the loser's locks
# go, but a row the loser takes again before it wakes is the loser's once more: a retry sent at
# once can deadlock with the same batch again.
CONFLICT_PAUSE_SECONDS = 0.1
_PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"  # a ref's stand-in while routes are checked
_REF = re.compile(r"^\$([A-Za-z0-9_.-]{1,64})$")


@dataclass(frozen=True)
class Operation:
    index: int
    method: str
    path: str  # as sent: `$<ref>` path segments are resolved when the operation runs
    body: dict[str, Any] | None
    headers: dict[str, str]
    ref: str | None
    refs: list[tuple[str, str]]  # (field, ref name) for each `$<ref>` it uses (refs_of)


class BatchFailed(Exception):
    """Operation `index` failed: the batch is rolled back and answered with that operation's answer."""

    def __init__(self, index: int, answer: subrequest.Answer) -> None:
        super().__init__(f"operation {index} failed with {answer.status}")
        self.index = index
        self.answer = answer

    def render(self, resp: falcon.Response) -> None:
        for name, value in self.answer.headers.items():
            resp.set_header(name, value)
        resp.status = self.answer.status
        resp.content_type = PROBLEM_JSON
        resp.data = orjson.dumps({**self.answer.body, "operation": self.index})


_EXAMPLE_ID = TASK_EXAMPLE["id"]
# an offline queue: a task created, then ticked off and edited through its ref
BATCH_EXAMPLE = {
    "operations": [
        {"method": "POST", "path": "/api/v1/tasks", "body": {"title": "Buy milk"}, "ref": "milk"},
        {"method": "POST", "path": "/api/v1/tasks/$milk/toggle"},
        {
            "method": "PATCH",
            "path": f"/api/v1/tasks/{_EXAMPLE_ID}",
            "headers": {"If-Match": '"1"'},
            "body": {"priority": "high"},
        },
    ]
}
RESULT_EXAMPLE = {
    "results": [
        {
            "status": 201,
            "headers": {"ETag": '"1"', "Location": f"/api/v1/tasks/{_EXAMPLE_ID}"},
            "body": TASK_EXAMPLE,
        },
        {"status": 200, "headers": {"ETag": '"2"'}, "body": {"task": TASK_EXAMPLE, "next_task": None}},
        {"status": 200, "headers": {"ETag": '"2"'}, "body": TASK_EXAMPLE},
    ]
}


class Batch:
    openapi = {
        "on_post": operation(
            "Run several writes as one transaction",
            description="1 to 100 operations on the task routes (create, replace, patch, delete, "
            "toggle), run in order: all commit or none does. An operation with a `ref` lets later "
            "ones write `$<ref>` for the id it created, as a path segment or an id field's value. "
            "Each result is what the route alone answers. The first operation that fails stops the "
            "batch: nothing is committed and the answer is that operation's own status and problem, "
            "with `operation` (its index, from 0). A bad batch (a route a batch does not run, a ref "
            "to no earlier operation) is a 400 naming `operations[<i>].<field>`, before anything runs.",
            parameters=("IdempotencyKey",),
            body=json_body("BatchInput", BATCH_EXAMPLE),
            responses={
                200: json_response(
                    "Every operation done and committed: one result per operation, in order.",
                    "BatchResult",
                    example=RESULT_EXAMPLE,
                    headers=("Idempotent-Replayed",),
                ),
                **problems(404, 409, 412, 422),
            },
        ),
    }

    def __init__(
        self, db: Database, idempotency: IdempotencyStore, routes: Iterable[Route], max_body_bytes: int
    ) -> None:
        self.db = db
        self.idempotency = idempotency
        self.max_body_bytes = max_body_bytes
        served = {template: resource for template, resource, suffix in routes if not suffix}
        missing = sorted(set(BATCH_ROUTES) - set(served))
        if missing:
            raise RuntimeError(f"batch routes not served by the app: {', '.join(missing)}")
        self._router = CompiledRouter()
        for template in BATCH_ROUTES:
            self._router.add_route(template, served[template])
        creates = served[CREATE[1]]
        assert isinstance(creates, TaskCollection)
        self._creates = creates  # the resource of a run of creates (grouped), run as one write

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                self._once(req, resp)
                return
            except BatchFailed as failed:
                failed.render(resp)
                return
            except TransactionConflict:
                if attempt == CONFLICT_RETRIES:
                    raise
                log.info("batch rolled back by a transaction conflict; running it again")
                time.sleep(CONFLICT_PAUSE_SECONDS)

    @idempotent
    def _once(self, req: falcon.Request, resp: falcon.Response) -> None:
        operations = self._parse(load(BATCH_INPUT, read_json_object(req))["operations"])
        with self.db.joined_transaction():  # the Idempotency-Key's, when the request has one
            results = self._run(subrequest.Outer(req, resp), operations)
        resp.cache_control = ["private", "no-cache"]
        send_json(resp, {"results": results})

    def _run(self, outer: subrequest.Outer, operations: list[Operation]) -> list[dict[str, Any]]:
        """Every operation in order; the first failure raises (and so rolls the batch back)."""
        ids: dict[str, str] = {}
        results = []
        for group in grouped(operations):
            answered = self._create_all(outer, group, ids) if len(group) > 1 else None
            for index, op in enumerate(group):
                answer = answered[index] if answered else self._one(outer, op, ids)
                if answer.error is not None:
                    raise BatchFailed(op.index, answer)
                if op.ref is not None:
                    ids[op.ref] = self._created_id(op, answer, outer, ids)
                results.append(answer.as_json())
        return results

    def _one(self, outer: subrequest.Outer, op: Operation, ids: dict[str, str]) -> subrequest.Answer:
        resource, call = self._call(op, ids)
        return subrequest.run(getattr(resource, f"on_{op.method.lower()}"), call, outer)

    def _create_all(
        self, outer: subrequest.Outer, creates: list[Operation], ids: dict[str, str]
    ) -> list[subrequest.Answer] | None:
        """A run of creates as the route's own halves around one store call (one INSERT), or None
        when one is refused (then nothing of the run was written, and the run goes one by one so
        that the refused operation gets the route's own answer)."""
        bodies = [None if op.body is None else resolve_body(op.body, ids) for op in creates]
        resource = self._creates
        return subrequest.run_all(
            resource.new_tasks, resource.store.create_many, resource.send_created, bodies, outer
        )

    def _route(self, path: str) -> tuple[object, dict[str, Any], str] | None:
        """The batch route `path` is on: its resource, path parameters and URI template."""
        found = self._router.find(path)
        if found is None:
            return None
        resource, _, params, template = found
        return resource, params, str(template)

    def _call(self, op: Operation, ids: dict[str, str]) -> tuple[object, subrequest.Call]:
        """The operation's resource, and its request with the refs it uses resolved."""
        path = resolve_path(op.path, ids)
        found = self._route(path)
        assert found is not None  # checked with stand-in ids, and an id is a UUID
        resource, params, template = found
        body = None if op.body is None else orjson.dumps(resolve_body(op.body, ids))
        return resource, subrequest.Call(op.method, path, template, params, op.headers, body)

    def _created_id(
        self, op: Operation, answer: subrequest.Answer, outer: subrequest.Outer, ids: dict[str, str]
    ) -> str:
        location = answer.headers.get("Location")
        if location is None:
            error = Invalid(
                {"ref": ["Only an operation that creates (answers with a Location) names an id."]}
            )
            raise BatchFailed(op.index, subrequest.refuse(self._call(op, ids)[1], outer, error))
        return location.rstrip("/").rsplit("/", 1)[-1]

    def _parse(self, raw: list[dict[str, Any]]) -> list[Operation]:
        """The operations, or Invalid naming each bad one (`operations[3].path`) before any runs."""
        errors: dict[str, list[str]] = {}
        later = {op["ref"]: index for index, op in enumerate(raw) if "ref" in op}
        defined: set[str] = set()
        operations = []
        routes: dict[str, tuple[object, dict[str, Any], str] | None] = {}  # by path, refs as stand-ins
        for index, data in enumerate(raw):
            path, body = data["path"].rstrip("/") or "/", data.get("body")
            op = Operation(
                index,
                data["method"],
                path,
                body,
                {"If-Match": data["headers"]["if_match"]} if "if_match" in data.get("headers", {}) else {},
                data.get("ref"),
                refs_of(path, body),
            )
            for field, messages in self._check(op, defined, later, routes).items():
                errors.setdefault(f"operations[{index}].{field}", []).extend(messages)
            if op.ref is not None:
                if op.ref in defined:
                    errors.setdefault(f"operations[{index}].ref", []).append(
                        "Already names an earlier operation."
                    )
                defined.add(op.ref)
            operations.append(op)
        if errors:
            raise Invalid(flatten_errors(errors))
        return operations

    def _check(
        self,
        op: Operation,
        defined: set[str],
        later: dict[str, int],
        routes: dict[str, tuple[object, dict[str, Any], str] | None],
    ) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        for field, name in op.refs:
            if name not in defined:
                where = f"the ref of operation {later[name]}, which runs later" if name in later else "no ref"
                errors.setdefault(field, []).append(f"${name} is {where}: a ref names an earlier operation.")
        if op.body is not None and len(orjson.dumps(op.body)) > self.max_body_bytes:
            errors["body"] = [f"Larger than {self.max_body_bytes} bytes (MAX_BODY_BYTES)."]
        if "?" in op.path or "#" in op.path:
            errors.setdefault("path", []).append("Must be a path alone, with no query or fragment.")
            return errors
        path = resolve_path(op.path, {}, _PLACEHOLDER_ID)
        if path not in routes:
            routes[path] = self._route(path)
        found = routes[path]
        if found is None:
            errors.setdefault("path", []).append(f"Not a route a batch runs; these are: {_allowed()}.")
        elif op.method not in BATCH_ROUTES[found[2]]:
            methods = ", ".join(BATCH_ROUTES[found[2]])
            errors["method"] = [f"{op.method} is not run in a batch on this path; these are: {methods}."]
        return errors


def grouped(operations: list[Operation]) -> Iterator[list[Operation]]:
    """The operations in order, in groups: consecutive creates of tasks none of which names the ref
    of another in its group (such a run is one store call), else each operation alone."""
    run: list[Operation] = []
    for op in operations:
        creates = (op.method, op.path) == CREATE
        if run and (not creates or {name for _, name in op.refs} & {o.ref for o in run}):
            yield run
            run = []
        if creates:
            run.append(op)
        else:
            yield [op]
    if run:
        yield run


def _allowed() -> str:
    return ", ".join(f"{'|'.join(methods)} {template}" for template, methods in BATCH_ROUTES.items())


def refs_of(path: str, body: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(field, ref name) for every `$<ref>` an operation uses: path segments and id fields."""
    found = []
    if "$" in path:
        found = [("path", m.group(1)) for segment in path.split("/") if (m := _REF.match(segment))]
    for field in ID_FIELDS:
        value = (body or {}).get(field)
        if isinstance(value, str) and (m := _REF.match(value)):
            found.append((f"body.{field}", m.group(1)))
    return found


def resolve_path(path: str, ids: dict[str, str], default: str | None = None) -> str:
    """`path` with each `$<ref>` segment replaced by its id (or `default`, while checking routes)."""
    if "$" not in path:
        return path  # a ref is a whole segment that starts with $
    segments = [(ids.get(m.group(1), default) if (m := _REF.match(s)) else s) for s in path.split("/")]
    return "/".join(s if s is not None else "" for s in segments)


def resolve_body(body: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    """`body` with `"$<ref>"` in an id field replaced by the id that ref names."""
    resolved = dict(body)
    for field in ID_FIELDS:
        value = body.get(field)
        if isinstance(value, str) and (m := _REF.match(value)) and m.group(1) in ids:
            resolved[field] = ids[m.group(1)]
    return resolved
