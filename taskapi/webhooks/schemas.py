"""marshmallow schemas of a webhook subscription: what POST and PATCH accept, and what goes out."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, fields, post_load
from marshmallow.validate import Length, OneOf, Range

from taskapi.schemas import BoundedList, QueryInteger, StrictBoolean, Text
from taskapi.webhooks.events import ALL_EVENTS, EVENT_TYPES

MAX_URL = 2000
MAX_DESCRIPTION = 500
EVENT_CHOICES = (*EVENT_TYPES, ALL_EVENTS)


class WebhookInput(Schema):
    """A subscription's writable fields (POST: url and events required; PATCH: those sent)."""

    class Meta:
        unknown = RAISE

    url = Text(
        trim=True, required=True, validate=Length(1, MAX_URL, error=f"Must be 1 to {MAX_URL} characters.")
    )
    events = BoundedList(
        fields.String(validate=OneOf(EVENT_CHOICES, error=f"Must be one of: {', '.join(EVENT_CHOICES)}.")),
        max_items=len(EVENT_CHOICES),
        min_one=True,
        error=f"Give 1 to {len(EVENT_CHOICES)} event types.",
        required=True,
    )
    description = Text(
        trim=True,
        allow_none=True,
        load_default=None,
        validate=Length(max=MAX_DESCRIPTION, error=f"Must be at most {MAX_DESCRIPTION} characters."),
    )
    enabled = StrictBoolean(load_default=True)

    @post_load
    def dedupe_events(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if "events" in data:
            data["events"] = list(dict.fromkeys(data["events"]))
        return data


class WebhookSchema(Schema):
    """A subscription as the API returns it (never its secret, but once: see WebhookCreated)."""

    id = fields.UUID(dump_only=True)
    url = fields.String(metadata={"description": "Where events are POSTed."})
    events = fields.List(
        fields.String(validate=OneOf(EVENT_CHOICES)), metadata={"description": "`*`: every event type."}
    )
    description = fields.String(allow_none=True)
    enabled = fields.Boolean(metadata={"description": "False after the receiver answered 410 Gone."})
    created_at = fields.AwareDateTime(dump_only=True)


class WebhookCreated(WebhookSchema):
    """POST /api/v1/webhooks: the subscription and, this once, its signing secret."""

    secret = fields.String(
        required=True,
        metadata={"description": "`whsec_` + base64 of 32 random bytes: verify signatures with it."},
    )


WEBHOOK_FIELDS = tuple(WebhookSchema().fields)
WEBHOOK_INPUT = WebhookInput()


def webhook_json(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in WEBHOOK_FIELDS}


class DeliverySchema(Schema):
    """One delivery attempt, as GET /api/v1/webhooks/{id}/deliveries lists it."""

    id = fields.UUID(metadata={"description": "Pass to .../deliveries/{delivery_id}/retry."})
    event_id = fields.UUID(metadata={"description": "The event's id: its `webhook-id` header."})
    event_type = fields.String(validate=OneOf(EVENT_TYPES))
    attempt = fields.Integer(metadata={"description": "1 for the first attempt of this event."})
    status_code = fields.Integer(
        allow_none=True, metadata={"description": "The receiver's status, if it answered."}
    )
    error = fields.String(
        allow_none=True, metadata={"description": "Why no answer came (timeout, refused, ...)."}
    )
    duration_ms = fields.Integer(metadata={"description": "From connecting to the end of the answer."})
    created_at = fields.AwareDateTime()
    next_retry_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "When it is tried again; null: delivered, failed, or done."}
    )


class DeliveriesQuery(Schema):
    """Query parameters of GET /api/v1/webhooks/{id}/deliveries."""

    class Meta:
        unknown = RAISE

    limit = QueryInteger(load_default=50, validate=Range(1, 100, error="Must be between 1 and 100."))


DELIVERY_FIELDS = tuple(DeliverySchema().fields)
DELIVERIES_QUERY = DeliveriesQuery()


def delivery_json(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in DELIVERY_FIELDS}
