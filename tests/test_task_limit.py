"""A per-user cap on stored tasks: a clear 409 beyond it, other users unaffected, room after a delete."""

from __future__ import annotations

from collections.abc import Iterator

import falcon.testing
import pytest

from taskapi.app import create_app
from taskapi.config import Config
from tests.api import Api


@pytest.fixture
def capped(config: Config) -> Iterator[falcon.testing.TestClient]:
    app = create_app(Config(**{**config.__dict__, "max_tasks_per_user": 3}))
    yield falcon.testing.TestClient(app)
    app.db.close()


def test_creating_beyond_the_cap_is_409_and_stores_nothing(capped: falcon.testing.TestClient) -> None:
    alice, bob = Api(capped, "cap-alice"), Api(capped, "cap-bob")
    first = [alice.create(title=f"t{i}") for i in range(3)]
    refused = alice.request("POST", "/api/v1/tasks", json={"title": "one too many"})
    assert refused.status_code == 409
    assert refused.json["type"] == "/problems/task-limit-reached"
    assert refused.json["limit"] == 3
    assert alice.request("GET", "/api/v1/tasks").json["total"] == 3
    assert bob.create(title="bob is not capped by alice")["title"]
    assert alice.request("DELETE", f"/api/v1/tasks/{first[0]['id']}").status_code == 204
    assert alice.create(title="room again")["title"] == "room again"


def test_the_cap_is_a_setting_with_a_generous_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from taskapi.config import ConfigError, load_config

    monkeypatch.setenv("DATABASE_URL", "postgresql://localhost/x")
    monkeypatch.setenv("JWT_SECRET", "s" * 32)
    assert load_config().max_tasks_per_user == 100_000
    monkeypatch.setenv("MAX_TASKS_PER_USER", "0")
    with pytest.raises(ConfigError, match="MAX_TASKS_PER_USER"):
        load_config()
