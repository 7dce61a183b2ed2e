"""Test data: `python -m taskapi.devtools.seed --users N --tasks M --heavy 50000` fills DATABASE_URL fast.

Every row is made inside PostgreSQL (one INSERT ... SELECT over generate_series per batch of
users), so a few hundred thousand realistic tasks take seconds, not minutes. The ids are
UUIDv7-shaped (their time part is the task's created_at), like the API's own. Prints the heavy
user's id on stdout (progress goes to stderr), so `HEAVY=$(python -m taskapi.devtools.seed ...)` works.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid

import psycopg

from taskapi.config import load_local_settings
from taskapi.db import migrations
from taskapi.devtools import vocabulary

# One row per (user, n): a few random numbers drawn once (inner select: volatile, so never
# flattened), then turned into a task. 70% have a due date, 25% are done, 60% a description,
# priorities 20/50/30 high/medium/low, 0-3 tags from twelve (mixed case on purpose). Words come
# from taskapi.devtools.vocabulary, each slot's entry at a log-uniform rank (see there).
# rank(n, r): floor(power(n + 1, r)) for r in [0, 1): 1..n, rank k with p ~ 1 / (k ln n)
_INSERT = b"""
INSERT INTO tasks (user_id, id, title, description, completed, completed_at, priority, tags,
                   due_date, position, created_at, updated_at, list_id)
SELECT user_id,
       (lpad(to_hex((extract(epoch FROM created) * 1000)::bigint), 12, '0')
        || '7' || substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid,
       verbs[floor(power(cardinality(verbs) + 1, w1))::int] || ' '
           || objects[floor(power(cardinality(objects) + 1, w2))::int]
           || CASE WHEN w3 < 0.55 THEN ''
                   WHEN w3 < 0.75 THEN ' ' || details[floor(power(cardinality(details) + 1, w4))::int]
                   WHEN w3 < 0.87 THEN ' with ' || people[floor(power(cardinality(people) + 1, w4))::int]
                   ELSE ' ' || places[floor(power(cardinality(places) + 1, w4))::int] END,
       CASE WHEN w5 < 0.6 THEN openings[floor(power(cardinality(openings) + 1, w6))::int] || ' '
           || objects[floor(power(cardinality(objects) + 1, w7))::int]
           || CASE WHEN w8 < 0.5 THEN ' ' || places[floor(power(cardinality(places) + 1, w9))::int]
                   ELSE '' END || '. '
           || CASE WHEN w8 > 0.3 THEN notes[floor(power(cardinality(notes) + 1, w10))::int] || ' '
                   ELSE '' END
           || 'Noted ' || to_char(created, 'FMDD FMMonth') || '.' END,
       r5 < 0.25,
       CASE WHEN r5 < 0.25 THEN updated END,
       CASE WHEN r6 < 0.2 THEN 'high' WHEN r6 < 0.7 THEN 'medium' ELSE 'low' END,
       (ARRAY[tagset[1 + a %% 12], tagset[1 + (a + k1) %% 12], tagset[1 + (a + k1 + k2) %% 12]])[1:ntags],
       CASE WHEN r7 < 0.7 THEN date_trunc('minute', created + r8 * interval '90 days') END,
       n,
       created,
       updated,
       (SELECT id FROM lists WHERE lists.user_id = r.user_id AND is_inbox)
FROM (
    SELECT %(prefix)s || '-user-' || u AS user_id, n,
           random() AS w1, random() AS w2, random() AS w3, random() AS w4, random() AS w5,
           random() AS w6, random() AS w7, random() AS w8, random() AS w9, random() AS w10,
           random() AS r5, random() AS r6, random() AS r7, random() AS r8, md5(random()::text) AS h,
           (random() * 12)::int AS a, 1 + (random() * 4)::int AS k1, 1 + (random() * 4)::int AS k2,
           (random() * 3.49)::int AS ntags,
           created, created + random() * (now() - created) AS updated
    FROM generate_series(%(first_user)s::int, %(last_user)s::int) AS u,
         generate_series(1, %(tasks)s::int) AS n,
         LATERAL (SELECT now() - (random() + n * 0) * interval '365 days' AS created) AS c
) AS r,
LATERAL (SELECT %(verbs)s::text[] AS verbs, %(objects)s::text[] AS objects, %(details)s::text[] AS details,
                %(people)s::text[] AS people, %(places)s::text[] AS places, %(openings)s::text[] AS openings,
                %(notes)s::text[] AS notes, %(tags)s::text[] AS tagset) AS w
"""


WORDS = {
    "verbs": list(vocabulary.VERBS),
    "objects": list(vocabulary.OBJECTS),
    "details": list(vocabulary.DETAILS),
    "people": list(vocabulary.PEOPLE),
    "places": list(vocabulary.PLACES),
    "openings": list(vocabulary.OPENINGS),
    "notes": list(vocabulary.NOTES),
    "tags": list(vocabulary.TAGS),
}

# Each seeded user's Inbox (its tasks go there), made before their tasks.
_INBOXES = b"""
INSERT INTO lists (user_id, id, name, is_inbox, position)
SELECT %(prefix)s || '-user-' || u, md5(%(prefix)s || '-user-' || u || ' inbox')::uuid, 'Inbox', true, 0
FROM generate_series(%(first_user)s::int, %(last_user)s::int) AS u
ON CONFLICT DO NOTHING
"""

BATCH_ROWS = 100_000  # rows per INSERT: one statement's memory stays modest


def seed(
    database_url: str,
    *,
    users: int,
    tasks: int,
    heavy: int,
    prefix: str | None = None,
    random_seed: float = 0.0,
    analyze: bool = True,
) -> str:
    """Insert `users` x `tasks` tasks plus `heavy` tasks of one more user; return that user's id.
    The same `random_seed` (-1 to 1) draws the same titles, descriptions, tags and flags.
    `analyze=False` leaves the planner's statistics as they were (a bulk load no ANALYZE has seen)."""
    prefix = prefix or f"seed-{uuid.uuid4().hex[:8]}"
    heavy_user = f"{prefix}-heavy-user-1"
    with psycopg.connect(database_url, autocommit=True) as conn:
        # random() continues from here on this connection, row after row, batch after batch
        conn.execute("SELECT setseed(%s)", (random_seed,))
        per_batch = max(1, BATCH_ROWS // max(tasks, 1))
        for first in range(1, users + 1, per_batch):
            last = min(users, first + per_batch - 1)
            args = {"prefix": prefix, "first_user": first, "last_user": last, "tasks": tasks, **WORDS}
            conn.execute(_INBOXES, args, prepare=False)
            conn.execute(_INSERT, args, prepare=False)
        if heavy:
            args = {"prefix": f"{prefix}-heavy", "first_user": 1, "last_user": 1, "tasks": heavy, **WORDS}
            conn.execute(_INBOXES, args, prepare=False)
            conn.execute(_INSERT, args, prepare=False)
        if analyze:
            # fresh statistics for the planner, and a visibility map so totals are index-only scans
            conn.execute("VACUUM (ANALYZE) tasks")
            conn.execute("VACUUM (ANALYZE) lists")
    return heavy_user


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m taskapi.devtools.seed", description=__doc__)
    parser.add_argument("--users", type=int, default=100, help="ordinary users (default 100)")
    parser.add_argument("--tasks", type=int, default=1000, help="tasks per ordinary user (default 1000)")
    parser.add_argument(
        "--heavy", type=int, default=50_000, help="tasks of the one heavy user (default 50000)"
    )
    parser.add_argument("--prefix", help="user id prefix (default: seed-<random>, so runs never collide)")
    parser.add_argument(
        "--random-seed", type=float, default=0.0, help="-1 to 1: the same value, the same tasks (default 0)"
    )
    args = parser.parse_args(argv)
    if min(args.users, args.tasks, args.heavy) < 0:
        parser.error("--users, --tasks and --heavy must be 0 or more")
    url = load_local_settings().database_url
    if not url:
        sys.exit("taskapi.devtools.seed: set DATABASE_URL to the database to fill")
    migrations.apply(url)
    started = time.monotonic()
    counts = {"users": args.users, "tasks": args.tasks, "heavy": args.heavy}
    heavy_user = seed(url, **counts, prefix=args.prefix, random_seed=args.random_seed)
    rows = args.users * args.tasks + args.heavy
    print(f"taskapi.devtools.seed: {rows} tasks in {time.monotonic() - started:.1f} s", file=sys.stderr)
    print(heavy_user)


if __name__ == "__main__":
    main()
