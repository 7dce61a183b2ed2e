"""Server-computed positions: where a moved item goes among its siblings, and which siblings must
make room, with integer gaps that are spread out again locally when they close."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

GAP = 1024  # between an item placed last (or first) and its neighbour
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
FIRST_WINDOW, MAX_WINDOW = 4, 2**20


@dataclass(frozen=True)
class Sibling:
    id: UUID
    position: int


@dataclass(frozen=True)
class Placement:
    """The moved item's position and the new positions of the siblings that had to move."""

    position: int
    moved: dict[UUID, int]


# (after: the position and id to start after, or None for the first; how many) -> siblings in order
Following = Callable[[Sibling | None, int], Sequence[Sibling]]


def place_after(after: Sibling | None, following: Following) -> Placement:
    """Directly after `after` (None: first), never equal to a sibling's position. Usually the
    midpoint of the gap; when the gap has closed, the smallest run of following siblings that
    leaves room is spread out (they are the only ones whose position changes)."""
    window = FIRST_WINDOW
    while True:
        siblings = list(following(after, window))
        complete = len(siblings) < window
        if after is None and not siblings:
            return Placement(0, {})
        lower = after.position if after is not None else max(INT_MIN - 1, siblings[0].position - 2 * GAP)
        placed = _spread(lower, siblings, complete)
        if placed is not None:
            return placed
        if complete or window >= MAX_WINDOW:
            return _renumber_all(after, following)
        window *= 2


def _spread(lower: int, siblings: list[Sibling], complete: bool) -> Placement | None:
    """The moved item and siblings[:j] spread strictly between `lower` and siblings[j] (kept),
    for the smallest j that leaves gaps of at least 2 per item spread (so a gap that keeps being
    filled is spread out rarely: 1,000 moves into one gap change a few siblings each, on average);
    past the last sibling, any gap of at least 1 up to the largest integer will do."""
    for j in range(len(siblings) + 1):
        if j < len(siblings):
            step, least = (siblings[j].position - lower) // (j + 2), min(GAP, 2 * (j + 1))
        elif complete:  # past the last sibling: up to the largest integer
            step, least = min(GAP, (INT_MAX + 1 - lower) // (j + 2)), 1
        else:
            return None
        if step >= least:
            positions = [lower + step * (i + 1) for i in range(j + 1)]
            moved = {s.id: p for s, p in zip(siblings[:j], positions[1:], strict=True) if s.position != p}
            return Placement(positions[0], moved)
    return None


def _renumber_all(after: Sibling | None, following: Following) -> Placement:
    """The whole group spread evenly over the integers (only when a group is packed against the
    largest position, which client-set positions can do)."""
    everyone = list(following(None, MAX_WINDOW))
    index = 0 if after is None else next(i for i, s in enumerate(everyone) if s.id == after.id) + 1
    step = max(1, min(GAP, (INT_MAX - INT_MIN) // (len(everyone) + 2)))
    start = -step * ((len(everyone) + 1) // 2)
    order: list[Any] = [*everyone[:index], None, *everyone[index:]]
    positions = {i: start + step * i for i in range(len(order))}
    moved = {s.id: positions[i] for i, s in enumerate(order) if s is not None and s.position != positions[i]}
    return Placement(positions[index], moved)
