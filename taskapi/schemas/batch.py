"""POST /api/v1/batch: the operations a batch may carry."""

from __future__ import annotations

from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    pre_load,
)
from marshmallow.validate import Length, OneOf, Regexp

from taskapi.schemas.fields import Text

MAX_BATCH_OPERATIONS = 100
REF_NAME = r"^[A-Za-z0-9_.-]{1,64}$"
BATCH_METHODS = ("DELETE", "PATCH", "POST", "PUT")


class OperationHeaders(Schema):
    """What an operation may send of its own; the batch request carries the rest (Idempotency-Key)."""

    class Meta:
        unknown = RAISE

    if_match = fields.String(data_key="If-Match", metadata={"description": "As on the route alone."})


class OperationInput(Schema):
    """One operation of a batch: a request on a task route, as it would be sent alone."""

    class Meta:
        unknown = RAISE

    method = fields.String(
        required=True,
        validate=OneOf(
            BATCH_METHODS, error=f"Must be one of: {', '.join(BATCH_METHODS)} (a batch runs writes)."
        ),
    )
    path = Text(
        required=True,
        validate=Length(1, 2000),
        metadata={"description": "A task route's path; `$<ref>` as a segment is an earlier operation's id."},
    )
    # no key field: JSON keys are strings already, and checking each one again cost ~60 µs an operation
    body = fields.Dict(metadata={"description": "The request body, a JSON object."})
    headers = fields.Nested(OperationHeaders)
    ref = fields.String(
        validate=Regexp(REF_NAME, error="Must be 1 to 64 of A-Z a-z 0-9 . _ -."),
        metadata={"description": "A name for the id this operation creates: later ones write `$<ref>`."},
    )


class BatchInput(Schema):
    """POST /api/v1/batch: the operations, run in order in one transaction."""

    class Meta:
        unknown = RAISE

    # one load of many, not a load per operation (a List of Nested): 35 -> 17 µs an operation
    operations = fields.Nested(
        OperationInput,
        many=True,
        required=True,
        validate=Length(1, MAX_BATCH_OPERATIONS, error=f"Must hold 1 to {MAX_BATCH_OPERATIONS} operations."),
        error_messages={"type": "Not a valid list."},
    )

    @pre_load
    def bounded(self, data: Any, **kwargs: Any) -> Any:
        """Count before loading: a body of 100,000 operations is refused without reading them."""
        operations = data.get("operations") if isinstance(data, dict) else None
        if isinstance(operations, list) and len(operations) > MAX_BATCH_OPERATIONS:
            raise ValidationError(
                f"Must hold 1 to {MAX_BATCH_OPERATIONS} operations, not {len(operations)}.", "operations"
            )
        return data
