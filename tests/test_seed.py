"""The seed's tasks: the same words for the same --random-seed, and a long tail of words."""

from __future__ import annotations

from typing import Any

import psycopg

from taskapi.devtools import seed
from tests.postgres import Database

# (a description ends with the day it was noted, which follows the clock)
_TASKS = """
SELECT position, title, regexp_replace(description, 'Noted .*', ''), tags, priority, completed
FROM tasks WHERE user_id = %s ORDER BY position
"""
_WORDS = """
SELECT word, ndoc FROM ts_stat(format(
    'SELECT to_tsvector(''simple'', lower(title)) FROM tasks WHERE user_id = %%L', %s::text))
ORDER BY ndoc DESC
"""


def tasks(database: Database, user: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(database.url) as conn:
        return conn.execute(_TASKS, (user,)).fetchall()


def test_the_same_random_seed_draws_the_same_tasks_and_another_draws_others(database: Database) -> None:
    first, again, other = (
        seed.seed(database.url, users=0, tasks=0, heavy=300, random_seed=value) for value in (0.5, 0.5, 0.25)
    )

    assert tasks(database, first) == tasks(database, again)
    assert [t[1] for t in tasks(database, first)] != [t[1] for t in tasks(database, other)]


def test_titles_have_a_few_very_common_words_and_many_rare_ones(database: Database) -> None:
    user = seed.seed(database.url, users=0, tasks=0, heavy=2_000)
    with psycopg.connect(database.url) as conn:
        counts = [ndoc for _, ndoc in conn.execute(_WORDS, (user,))]

    assert len(counts) > 300  # hundreds of distinct words in 2,000 titles
    assert counts[1] > 2_000 * 0.1  # after "the", a word in more than one title in ten
    assert sum(1 for n in counts if n <= 5) > len(counts) / 3  # a long tail of words seen a few times
