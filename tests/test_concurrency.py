"""Concurrent writers: read-modify-write with If-Match never loses an update."""

from __future__ import annotations

import threading

from tests.api import Api

TASKS = "/api/v1/tasks"


def test_concurrent_read_modify_write_with_if_match_loses_no_update(alice: Api) -> None:
    task = alice.create(title="counter", position=0)
    item = f"{TASKS}/{task['id']}"
    threads, increments = 8, 5
    barrier, conflicts, errors = threading.Barrier(threads), [], []

    def increment() -> None:
        barrier.wait()
        done = 0
        for _ in range(500):
            if done == increments:
                return
            read = alice.request("GET", item)
            headers = {"If-Match": read.headers["ETag"]}
            write = alice.request(
                "PATCH", item, json={"position": read.json["position"] + 1}, headers=headers
            )
            if write.status_code == 200:
                done += 1
            elif write.status_code == 412:
                conflicts.append(1)  # someone else won: read again and retry
            else:
                errors.append(write.status_code)
                return

    workers = [threading.Thread(target=increment) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert errors == []
    final = alice.request("GET", item).json
    assert final["position"] == threads * increments
    assert final["version"] == 1 + threads * increments
    print(f"{threads * increments} increments, {len(conflicts)} conflicts (412) retried")
