"""The API as a test's user sees it: requests carrying that user's bearer token."""

from __future__ import annotations

import time
from typing import Any

import falcon.testing
import jwt

TEST_SECRET = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


def make_token(sub: str | None, secret: str = TEST_SECRET, algorithm: str = "HS256", **claims: Any) -> str:
    payload = {"sub": sub, "iat": int(time.time()), "exp": int(time.time()) + 600, **claims}
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, secret, algorithm=algorithm)


class Api:
    """The API as one user sees it: every call carries that user's bearer token."""

    def __init__(self, client: falcon.testing.TestClient, user_id: str) -> None:
        self.client = client
        self.user_id = user_id
        self.token = make_token(user_id)

    def request(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> falcon.testing.Result:
        return self.client.simulate_request(
            method, path, headers={"Authorization": f"Bearer {self.token}", **(headers or {})}, **kwargs
        )

    def create(self, **fields: Any) -> dict[str, Any]:
        result = self.request("POST", "/api/v1/tasks", json={"title": "a task", **fields})
        assert result.status_code == 201, result.text
        return result.json
