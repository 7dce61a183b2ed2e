"""New tasks of one transaction, placed one after another and stored together."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from taskapi.domain.ordering import Sibling

Row = dict[str, Any]


class NewTasks:
    """New tasks placed in one transaction and stored together (`store`, one statement for the
    rows pending) when the last is placed, or earlier when placing one needs them in the table.
    Remembers what the transaction holds already: the Inbox, the lists it locked, and the last
    task of each sibling group it appended to, so the next append there reads nothing."""

    def __init__(self, store: Callable[[list[Row]], list[Row]]) -> None:
        self._store = store
        self.pending: list[Row] = []
        self.stored: list[Row] = []
        self.inbox: Row | None = None
        self.locked: set[UUID] = set()
        self._last: dict[tuple[UUID, UUID | None], Sibling] = {}

    def add(self, task: Row, appended: bool) -> None:
        """`task` (placed) to store; `appended`: it went after the last of its group."""
        group = (task["list_id"], task["parent_id"])
        if appended:
            self._last[group] = Sibling(task["id"], task["position"])
        else:
            self._last.pop(group, None)  # its group's last is known again only from the table
        self.pending.append(task)

    def last(self, list_id: UUID, parent_id: UUID | None) -> Sibling | None:
        """The last of the group if this transaction appended to it and nothing since says otherwise."""
        return self._last.get((list_id, parent_id))

    def flush(self) -> None:
        if self.pending:
            pending, self.pending = self.pending, []
            self.stored.extend(self._store(pending))
