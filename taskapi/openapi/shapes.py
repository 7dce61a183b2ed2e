"""marshmallow schemas of the response envelopes and problem bodies, as the OpenAPI document shows them."""

from __future__ import annotations

from marshmallow import Schema, fields

from taskapi.schemas import ListSchema, TaskSchema
from taskapi.webhooks.schemas import DeliverySchema, WebhookSchema


class TaskPage(Schema):
    """GET /api/v1/tasks: one page of the user's tasks."""

    items = fields.List(fields.Nested(TaskSchema), required=True)
    total = fields.Integer(required=True, metadata={"description": "Tasks matching the filters, all pages."})
    limit = fields.Integer(required=True)
    offset = fields.Integer(required=True)
    next_cursor = fields.String(
        required=True, allow_none=True, metadata={"description": "Pass as `cursor` for the next page."}
    )


class ToggleResult(Schema):
    """POST /api/v1/tasks/{id}/toggle: the task, and the next occurrence a completion created."""

    task = fields.Nested(TaskSchema, required=True)
    next_task = fields.Nested(TaskSchema, required=True, allow_none=True)


class ListPage(Schema):
    """GET /api/v1/lists: every list of the user, in position order."""

    items = fields.List(fields.Nested(ListSchema), required=True)


class HealthStatus(Schema):
    """GET /health: `database` is "failing" while pings fail for less than the window (still 200)."""

    status = fields.String(required=True, metadata={"enum": ["ok", "unavailable", "draining"]})
    database = fields.String(required=True, metadata={"enum": ["ok", "failing", "unavailable"]})


class LiveStatus(Schema):
    status = fields.String(required=True, metadata={"enum": ["ok"]})


class Problem(Schema):
    """RFC 9457 problem details; `errors` names each invalid field or parameter, `current` is the
    task as it is now (412)."""

    type = fields.String(required=True, metadata={"example": "about:blank"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String(required=True)
    request_id = fields.String(allow_none=True)
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Validation errors: field or parameter name → messages."},
    )
    current = fields.Dict(
        metadata={"description": "412 only: the task (or, on a list route, the list) as it is now."}
    )
    operation = fields.Integer(
        metadata={"description": "A failed batch: the index (from 0) of the operation that failed."}
    )


class OccurrenceList(Schema):
    """GET /api/v1/tasks/{id}/occurrences: due dates of the series, the task's own first."""

    items = fields.List(fields.AwareDateTime(), required=True)


class TaskList(Schema):
    """GET /api/v1/reminders: open tasks whose reminder is due."""

    items = fields.List(fields.Nested(TaskSchema), required=True)


class SyncBatch(Schema):
    """GET /api/v1/sync: changes since the cursor, oldest first."""

    changed = fields.List(fields.Nested(TaskSchema), required=True)
    deleted = fields.List(fields.UUID(), required=True, metadata={"description": "Ids of deleted tasks."})
    changed_lists = fields.List(fields.Nested(ListSchema), required=True)
    deleted_lists = fields.List(
        fields.UUID(), required=True, metadata={"description": "Ids of deleted lists."}
    )
    cursor = fields.String(required=True, metadata={"description": "Pass as `cursor` next time."})
    has_more = fields.Boolean(required=True, metadata={"description": "Call again at once for the rest."})


class OperationResult(Schema):
    """One operation of a batch, as its route alone would have answered it."""

    status = fields.Integer(required=True)
    headers = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "The route's headers: `ETag`, `Location`, `Link` where it sends them."},
    )
    body = fields.Raw(required=True, allow_none=True, metadata={"description": "null when none (204)."})


class BatchResult(Schema):
    """POST /api/v1/batch: one result per operation, in order."""

    results = fields.List(fields.Nested(OperationResult), required=True)


class WebhookList(Schema):
    """GET /api/v1/webhooks: the user's subscriptions, oldest first."""

    items = fields.List(fields.Nested(WebhookSchema), required=True)


class DeliveryList(Schema):
    """GET /api/v1/webhooks/{id}/deliveries: attempts, newest first."""

    items = fields.List(fields.Nested(DeliverySchema), required=True)


class RetryQueued(Schema):
    """POST .../deliveries/{delivery_id}/retry: the event queued to be sent again."""

    event_id = fields.UUID(required=True)
