"""When a failed delivery is tried again: exponential backoff with jitter, at least Retry-After."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# no single wait is longer than this (the retries still go on for WEBHOOK_RETRY_HOURS)
MAX_DELAY_SECONDS = 2 * 3600.0
# a receiver asking for more than this is retried after this
MAX_RETRY_AFTER_SECONDS = 6 * 3600.0
JITTER = 0.25  # up to 25 % later, so receivers are not hit by every retry at once


def delay(
    attempt: int, base: float, retry_after: float | None = None, rng: random.Random | None = None
) -> float:
    """Seconds to wait after failed attempt number `attempt` (1 = the first): `base`, then doubling,
    each up to JITTER later (never earlier), and never less than the receiver's Retry-After."""
    backoff = min(base * 2 ** min(attempt - 1, 32), MAX_DELAY_SECONDS)
    jittered = backoff * (1 + JITTER * (rng or random).random())
    if retry_after is not None:
        jittered = max(jittered, min(retry_after, MAX_RETRY_AFTER_SECONDS))
    return jittered


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
