"""A schema that loads the fields a body sends and then fills in the defaults of those it leaves
out, rather than running each of them through its field."""

from __future__ import annotations

import traceback
from collections.abc import Mapping, Sequence
from typing import Any

from marshmallow import Schema, ValidationError, missing


class DefaultsAfterLoad(Schema):
    """A full load gives every field the body leaves out its `load_default`, but marshmallow gets
    there through the field's whole deserialize call chain, ~2 µs a field: with TaskInput's 14
    optional fields, a task of a title alone took 48 µs to load. This schema loads what was sent
    (a partial load) and then sets each default: 21 µs. Loading many at once (a batch's run of
    creates) saves the per-load setup too: 50 such tasks, 865 µs one by one, 585 µs as many.

    The result is the full load's. A partial load that fails, or that lacks a required field, is
    run again in full, so the errors are marshmallow's own, naming every wrong field. One
    difference is by design: the schema's own hooks (pre_load, post_load, validates_schema) see
    only the fields sent, before the defaults are set. tests/test_schema_defaults.py checks the
    two loads agree for TaskInput."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # by the key each has in a loaded dict
        fields = {field.attribute or name: field for name, field in self.load_fields.items()}
        self._required = frozenset(key for key, field in fields.items() if field.required)
        self._defaults = {key: f.load_default for key, f in fields.items() if f.load_default is not missing}

    def load(
        self,
        data: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        many: bool | None = None,
        partial: Any = None,
        unknown: Any = None,
    ) -> Any:
        many = self.many if many is None else many
        if partial or not isinstance(data, list if many else Mapping):
            return super().load(data, many=many, partial=partial, unknown=unknown)
        try:
            loaded = super().load(data, many=many, partial=True, unknown=unknown)
        except ValidationError as exc:
            # its frames hold the body in a cycle until a collection (see schemas.load): free them,
            # and load again outside this block, so the second error does not chain the first
            traceback.clear_frames(exc.__traceback__)
            loaded = None
        if loaded is None:
            return super().load(data, many=many, unknown=unknown)  # every wrong field named
        for item in loaded if many else [loaded]:
            if not self._required <= item.keys():
                return super().load(data, many=many, unknown=unknown)  # marshmallow's "required" error
            for key in self._defaults.keys() - item.keys():
                default = self._defaults[key]
                item[key] = default() if callable(default) else default
        return loaded
