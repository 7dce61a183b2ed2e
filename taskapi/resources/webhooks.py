"""/api/v1/webhooks: a user's subscriptions, their delivery log, and sending an event again."""

from __future__ import annotations

import base64
import secrets
from typing import Any
from uuid import UUID

import falcon
from uuid_utils.compat import uuid7

from taskapi.domain.errors import Invalid
from taskapi.http.idempotency import idempotent
from taskapi.http.media import read_json_object, send_json
from taskapi.openapi.facts import json_body, json_response, operation, problems
from taskapi.schemas import load
from taskapi.store import IdempotencyStore, WebhookStore
from taskapi.webhooks import targets
from taskapi.webhooks.schemas import (
    DELIVERIES_QUERY,
    WEBHOOK_INPUT,
    DeliveriesQuery,
    delivery_json,
    webhook_json,
)

TAGS = ("webhooks",)
PRIVATE = ["private", "no-cache"]
SECRET_BYTES = 32
URL_RULES = (
    "`url` must be https (http only where the operator allows it) and resolve to public addresses "
    "only (private, loopback and link-local ones only where the operator allows them); else 400 "
    "naming `url`."
)
SUBSCRIPTION_EXAMPLE = {
    "id": "019a5f3c-7d2e-7b4a-9c1e-2f3a4b5c6d7f",
    "url": "https://hooks.example.com/taskapi",
    "events": ["task.created", "task.completed"],
    "description": "calendar bridge",
    "enabled": True,
    "created_at": "2026-11-20T17:04:11.123456+00:00",
}
# an address literal: the example itself passes the address rule without a DNS lookup
INPUT_EXAMPLE = {k: SUBSCRIPTION_EXAMPLE[k] for k in ("events", "description")} | {
    "url": "https://93.184.216.34/taskapi"
}
DELIVERY_EXAMPLE = {
    "id": "019a5f3d-0000-7000-8000-000000000001",
    "event_id": "5d1c0e9a-3f4b-4c2d-9e8f-7a6b5c4d3e2f",
    "event_type": "task.completed",
    "attempt": 2,
    "status_code": 500,
    "error": None,
    "duration_ms": 41,
    "created_at": "2026-11-20T17:05:01.000000+00:00",
    "next_retry_at": "2026-11-20T17:05:21.000000+00:00",
}


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def subscription_location(subscription_id: UUID) -> str:
    return f"/api/v1/webhooks/{subscription_id}"


class _WebhookResource:
    def __init__(
        self, store: WebhookStore, idempotency: IdempotencyStore, policy: targets.TargetPolicy
    ) -> None:
        self.store = store
        self.idempotency = idempotency
        self.policy = policy

    def _checked(self, fields: dict[str, Any]) -> dict[str, Any]:
        if "url" in fields:
            try:
                targets.check(fields["url"], self.policy)
            except targets.TargetRefused as exc:
                raise Invalid({"url": [str(exc)]}) from None
        return fields


class WebhookCollection(_WebhookResource):
    openapi = {
        "on_get": operation(
            "List your webhook subscriptions",
            tags=TAGS,
            responses={
                200: json_response(
                    "Your subscriptions.", "WebhookList", example={"items": [SUBSCRIPTION_EXAMPLE]}
                )
            },
        ),
        "on_post": operation(
            "Subscribe a URL to events",
            description=URL_RULES + " The answer carries the signing `secret`, this once.",
            tags=TAGS,
            parameters=("IdempotencyKey",),
            body=json_body("WebhookInput", INPUT_EXAMPLE),
            responses={
                201: json_response(
                    "Subscribed.",
                    "WebhookCreated",
                    example={**SUBSCRIPTION_EXAMPLE, "secret": "whsec_" + "A" * 43 + "="},
                    headers=("Location", "Idempotent-Replayed"),
                ),
                **problems(409, 422),
            },
        ),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.cache_control = PRIVATE
        send_json(resp, {"items": [webhook_json(row) for row in self.store.list(req.context.user_id)]})

    @idempotent
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        fields = self._checked(load(WEBHOOK_INPUT, read_json_object(req)))
        row = self.store.create(req.context.user_id, uuid7(), fields, new_secret())
        resp.location = subscription_location(row["id"])
        resp.cache_control = PRIVATE
        send_json(resp, {**webhook_json(row), "secret": row["secret"]}, 201)


class WebhookItem(_WebhookResource):
    openapi = {
        "on_get": operation(
            "Read a webhook subscription",
            tags=TAGS,
            responses={
                200: json_response("The subscription.", "Webhook", example=SUBSCRIPTION_EXAMPLE),
                **problems(404),
            },
        ),
        "on_patch": operation(
            "Change a webhook subscription",
            description="Only the fields sent change (`url`, `events`, `description`, `enabled`). "
            + URL_RULES,
            tags=TAGS,
            body=json_body("WebhookPatch", {"enabled": False}),
            responses={
                200: json_response("The subscription now.", "Webhook", example=SUBSCRIPTION_EXAMPLE),
                **problems(404),
            },
        ),
        "on_delete": operation(
            "Delete a webhook subscription",
            description="Its pending deliveries and its log go with it.",
            tags=TAGS,
            responses={204: {"description": "Deleted."}, **problems(404)},
        ),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response, subscription_id: UUID) -> None:
        resp.cache_control = PRIVATE
        send_json(resp, webhook_json(self.store.get(req.context.user_id, subscription_id)))

    def on_patch(self, req: falcon.Request, resp: falcon.Response, subscription_id: UUID) -> None:
        fields = self._checked(load(WEBHOOK_INPUT, read_json_object(req), partial=True))
        resp.cache_control = PRIVATE
        send_json(resp, webhook_json(self.store.update(req.context.user_id, subscription_id, fields)))

    def on_delete(self, req: falcon.Request, resp: falcon.Response, subscription_id: UUID) -> None:
        self.store.delete(req.context.user_id, subscription_id)
        resp.status = 204


class WebhookDeliveries(_WebhookResource):
    openapi = {
        "on_get": operation(
            "List a subscription's delivery attempts",
            description="Newest first; attempts older than WEBHOOK_LOG_RETENTION_DAYS are purged.",
            tags=TAGS,
            parameters=({"in": "query", "schema": DeliveriesQuery},),
            responses={
                200: json_response(
                    "The newest attempts.", "DeliveryList", example={"items": [DELIVERY_EXAMPLE]}
                ),
                **problems(400, 404),
            },
        ),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response, subscription_id: UUID) -> None:
        query = load(DELIVERIES_QUERY, req.params)
        rows = self.store.deliveries(req.context.user_id, subscription_id, query["limit"])
        resp.cache_control = PRIVATE
        send_json(resp, {"items": [delivery_json(row) for row in rows]})


class WebhookRetry(_WebhookResource):
    openapi = {
        "on_post": operation(
            "Send a delivery's event again now",
            description="The event goes out again (same `webhook-id`), with a fresh retry window, in "
            "its place in the subscription's order.",
            tags=TAGS,
            parameters=("IdempotencyKey",),
            responses={
                202: json_response(
                    "Queued.", "RetryQueued", example={"event_id": DELIVERY_EXAMPLE["event_id"]}
                ),
                **problems(400, 404, 409, 422),
            },
        ),
    }

    @idempotent
    def on_post(
        self, req: falcon.Request, resp: falcon.Response, subscription_id: UUID, delivery_id: UUID
    ) -> None:
        event_id = self.store.retry(req.context.user_id, subscription_id, delivery_id)
        send_json(resp, {"event_id": event_id}, 202)
