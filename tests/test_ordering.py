"""Server-computed positions (taskapi/domain/ordering.py) on a group held in memory: any sequence
of moves leaves exactly the order asked for, with distinct positions inside the 32-bit range."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence

from taskapi.domain.ordering import GAP, INT_MAX, INT_MIN, Sibling, place_after


class Group:
    """A sibling group: what the store reads through `following`, and the moves written back."""

    def __init__(self, positions: Sequence[int] = ()) -> None:
        self.items = [Sibling(uuid.uuid4(), p) for p in positions]
        self.changed = 0

    def ordered(self) -> list[Sibling]:
        return sorted(self.items, key=lambda s: (s.position, s.id))

    def move(self, item: uuid.UUID, after: uuid.UUID | None) -> None:
        rest = [s for s in self.items if s.id != item]
        by_id = {s.id: s for s in rest}

        def following(start: Sibling | None, limit: int) -> list[Sibling]:
            ordered = sorted(rest, key=lambda s: (s.position, s.id))
            if start is not None:
                ordered = [s for s in ordered if (s.position, s.id) > (start.position, start.id)]
            return ordered[:limit]

        placed = place_after(by_id[after] if after else None, following)
        self.changed += len(placed.moved)
        self.items = [Sibling(s.id, placed.moved.get(s.id, s.position)) for s in rest]
        self.items.append(Sibling(item, placed.position))


def check(group: Group, expected: list[uuid.UUID], moved: uuid.UUID | None = None) -> None:
    """The order is `expected`; every position the server placed (all of them, or the moved
    item's when client-set ties remain) is distinct and in range."""
    ordered = group.ordered()
    assert [s.id for s in ordered] == expected
    assert all(INT_MIN <= s.position <= INT_MAX for s in ordered)
    if moved is None:
        assert len({s.position for s in ordered}) == len(ordered)
    else:
        mine = next(s.position for s in ordered if s.id == moved)
        assert [s.position for s in ordered].count(mine) == 1


def test_a_thousand_moves_into_one_gap_stay_ordered_and_move_few_siblings() -> None:
    group = Group([0, GAP])
    first, last = (s.id for s in group.ordered())
    expected = [first, last]
    for _ in range(1000):
        item = uuid.uuid4()
        group.items.append(Sibling(item, GAP * 10))  # a new task at the end, then moved
        group.move(item, first)
        expected.insert(1, item)
    check(group, expected)
    assert group.changed < 10 * 1000  # siblings spread out rarely, not on every move


def test_random_moves_keep_the_order_asked_for() -> None:
    rng = random.Random(5)
    group = Group([rng.randint(-5, 5) for _ in range(40)])  # client-set, with ties
    for _ in range(2000):
        item = rng.choice(group.items).id
        rest = [s.id for s in group.ordered() if s.id != item]
        after = rng.choice([None, *rest])
        expected = list(rest)
        expected.insert(0 if after is None else rest.index(after) + 1, item)
        group.move(item, after)
        check(group, expected, moved=item)


def test_a_group_packed_against_the_largest_position_is_renumbered() -> None:
    group = Group([INT_MAX - i for i in range(5)])
    last = group.ordered()[-1].id
    item = uuid.uuid4()
    group.items.append(Sibling(item, INT_MIN))

    group.move(item, last)

    check(group, [*(s.id for s in group.ordered()[:-1]), item])


def test_first_place_goes_below_the_first_sibling() -> None:
    group = Group([INT_MIN, INT_MIN + 1])
    item = uuid.uuid4()
    group.items.append(Sibling(item, 0))
    expected = [item, *(s.id for s in group.ordered() if s.id != item)]

    group.move(item, None)

    check(group, expected)
