"""Webhook connections to a receiver: kept open between a subscription's events when the receiver
keeps them open, and a new one (resolved and checked again) when it has closed a kept one."""

from __future__ import annotations

import json

import pytest

from tests.api import Api
from tests.webhooks import receiver, subscribe

pytestmark = pytest.mark.usefixtures("hook_worker")  # a delivery worker on hook_db for the module


def test_a_receiver_that_keeps_connections_open_gets_a_subscriptions_events_over_one(user: Api) -> None:
    with receiver(protocol="HTTP/1.1") as hook:
        subscribe(user, hook.url)
        titles = [f"task {n}" for n in range(5)]
        for n, title in enumerate(titles):
            user.create(title=title)
            hook.wait_for(n + 1)  # one at a time: each send finds the connection idle
    assert [json.loads(r.body)["data"]["title"] for r in hook.received] == titles
    assert len({r.peer_port for r in hook.received}) == 1


def test_a_receiver_that_closes_kept_connections_gets_every_event_once_on_new_ones(user: Api) -> None:
    with receiver(protocol="HTTP/1.1", drop_after_answer=True) as hook:
        subscribe(user, hook.url)
        titles = [f"task {n}" for n in range(5)]
        for n, title in enumerate(titles):
            user.create(title=title)
            hook.wait_for(n + 1)
        user.create(title="last")  # arrives after any re-send of the ones before would have
        hook.wait_for(6)
    assert [json.loads(r.body)["data"]["title"] for r in hook.received] == [*titles, "last"]
    assert len({r.peer_port for r in hook.received}) == 6


def test_a_receiver_that_closes_each_connection_still_gets_every_event(user: Api) -> None:
    with receiver() as hook:  # HTTP/1.0: the answer says the connection closes
        subscribe(user, hook.url)
        for n in range(3):
            user.create(title=f"task {n}")
        received = hook.wait_for(3)
    assert [json.loads(r.body)["data"]["title"] for r in received] == ["task 0", "task 1", "task 2"]
    assert len({r.peer_port for r in received}) == 3
