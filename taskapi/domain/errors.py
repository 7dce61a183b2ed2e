"""The one refusal of a request's content: fields, parameters or headers that break a rule."""

from __future__ import annotations


class Invalid(ValueError):
    """What the request (or the object it would store) breaks: `errors` maps each field, query
    parameter or header to its messages. Raised by the schemas, the domain rules, the store (a
    CHECK constraint) and the HTTP edge (a malformed header or body) alike; the edge renders every
    one as the same 400 problem."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("invalid: " + ", ".join(errors))
        self.errors = errors
