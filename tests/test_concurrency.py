"""Concurrent writers: read-modify-write with If-Match never loses an update."""

from __future__ import annotations

from tests.api import Api
from tests.concurrency import race

TASKS = "/api/v1/tasks"


def test_concurrent_read_modify_write_with_if_match_loses_no_update(alice: Api) -> None:
    task = alice.create(title="counter", position=0)
    item = f"{TASKS}/{task['id']}"
    threads, increments = 8, 5

    def increment(_: int) -> tuple[int, list[int]]:
        """Add 1 to the position `increments` times; (conflicts met, unexpected statuses)."""
        done, conflicts = 0, 0
        for _ in range(500):
            if done == increments:
                break
            read = alice.request("GET", item)
            headers = {"If-Match": read.headers["ETag"]}
            write = alice.request(
                "PATCH", item, json={"position": read.json["position"] + 1}, headers=headers
            )
            if write.status_code == 200:
                done += 1
            elif write.status_code == 412:
                conflicts += 1  # someone else won: read again and retry
            else:
                return conflicts, [write.status_code]
        return conflicts, [] if done == increments else [0]

    outcome = race(threads, increment)
    assert [unexpected for _, unexpected in outcome.results] == [[]] * threads
    assert outcome.most_in_flight > 1
    # the writers really collided: some of them had to retry after a 412
    assert sum(conflicts for conflicts, _ in outcome.results) > 0
    final = alice.request("GET", item).json
    assert final["position"] == threads * increments
    assert final["version"] == 1 + threads * increments
