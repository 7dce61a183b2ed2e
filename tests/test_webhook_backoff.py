"""Retry waits: the base first, then doubling, jitter only ever later, capped, never under Retry-After."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from taskapi.webhooks.backoff import JITTER, MAX_DELAY_SECONDS, delay, parse_retry_after


def test_waits_start_at_the_base_and_double_with_jitter_only_later() -> None:
    rng = random.Random(7)
    for attempt, backoff in ((1, 10), (2, 20), (3, 40), (4, 80)):
        waits = [delay(attempt, 10, rng=rng) for _ in range(200)]
        assert backoff <= min(waits) and max(waits) <= backoff * (1 + JITTER)
        assert max(waits) - min(waits) > 0  # there is jitter


def test_waits_are_capped_and_retry_after_wins_when_longer() -> None:
    assert delay(40, 10) <= MAX_DELAY_SECONDS * (1 + JITTER)
    assert delay(1, 0.2, retry_after=30) == 30
    assert delay(5, 10, retry_after=1) >= 160


def test_retry_after_is_read_as_seconds_or_an_http_date() -> None:
    now = datetime(2026, 11, 20, 17, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Fri, 20 Nov 2026 17:01:30 GMT", now) == 90
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
