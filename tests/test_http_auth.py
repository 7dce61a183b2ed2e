"""Bearer auth over HTTP: every failure is a 401 problem with WWW-Authenticate; JWKS tokens work."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from dataclasses import replace

import falcon.testing
import pytest

from taskapi.app import create_app
from taskapi.config import Config
from tests.api import TEST_SECRET, make_token
from tests.jwks_server import JwksServer

TASKS = "/api/v1/tasks"


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _get(
    client: falcon.testing.TestClient, token: str | None, scheme: str = "Bearer"
) -> falcon.testing.Result:
    headers = {"Authorization": f"{scheme} {token}"} if token is not None else {}
    return client.simulate_get(TASKS, headers=headers)


def _assert_401(result: falcon.testing.Result, detail_part: str) -> None:
    assert result.status_code == 401, result.text
    assert result.headers["WWW-Authenticate"].startswith("Bearer")
    assert result.headers["Content-Type"] == "application/problem+json"
    assert detail_part in result.json["detail"]


NOW = int(time.time())
BAD_TOKENS = [
    pytest.param(None, "missing bearer token", id="no header"),
    pytest.param("", "missing bearer token", id="empty token"),
    pytest.param(make_token("u", exp=NOW - 3600), "expired", id="expired"),
    pytest.param(
        make_token("u", secret="another-secret-0123456789-abcdefghijklmnop"), "signature", id="bad signature"
    ),
    pytest.param(
        _b64({"alg": "none", "typ": "JWT"}) + "." + _b64({"sub": "u", "exp": NOW + 600}) + ".",
        "none",
        id="alg none",
    ),
    pytest.param(make_token("u", exp=None), "exp", id="no exp"),
    pytest.param(make_token(None), "sub", id="no subject"),
    pytest.param("not-a-jwt", "malformed", id="garbage"),
    pytest.param("a.b.c", "malformed", id="three garbage parts"),
]


@pytest.mark.parametrize(("token", "detail"), BAD_TOKENS)
def test_bad_tokens_are_401(client: falcon.testing.TestClient, token: str | None, detail: str) -> None:
    _assert_401(_get(client, token), detail)


def test_basic_auth_scheme_is_401(client: falcon.testing.TestClient) -> None:
    _assert_401(_get(client, "dXNlcjpwYXNz", scheme="Basic"), "missing bearer token")


def test_user_id_claim_is_the_fallback_subject(client: falcon.testing.TestClient) -> None:
    token = make_token(None, user_id="fallback-user")

    result = client.simulate_post(TASKS, json={"title": "x"}, headers={"Authorization": f"Bearer {token}"})

    assert result.status_code == 201 and result.json["user_id"] == "fallback-user"


def test_health_needs_no_token(client: falcon.testing.TestClient) -> None:
    assert client.simulate_get("/health").status_code == 200


@pytest.fixture
def strict_client(config: Config) -> Iterator[falcon.testing.TestClient]:
    app = create_app(replace(config, jwt_issuer="https://auth.example", jwt_audience="taskapi"))
    yield falcon.testing.TestClient(app)
    app.close()


def test_issuer_and_audience_are_checked_when_configured(strict_client: falcon.testing.TestClient) -> None:
    good = make_token("u", iss="https://auth.example", aud="taskapi")

    assert _get(strict_client, good).status_code == 200
    _assert_401(_get(strict_client, make_token("u", iss="https://evil.example", aud="taskapi")), "issuer")
    _assert_401(_get(strict_client, make_token("u", iss="https://auth.example", aud="other")), "audience")
    _assert_401(_get(strict_client, make_token("u", iss="https://auth.example")), "aud")


@pytest.fixture
def jwks() -> Iterator[JwksServer]:
    with JwksServer(algorithms=("EdDSA",)) as server:
        yield server


@pytest.fixture
def jwks_client(config: Config, jwks: JwksServer) -> Iterator[falcon.testing.TestClient]:
    app = create_app(replace(config, jwt_jwks_url=jwks.jwks_url, jwt_issuer=jwks.url, jwt_audience=jwks.url))
    yield falcon.testing.TestClient(app)
    app.close()


def test_better_auth_ed25519_token_is_accepted(
    jwks_client: falcon.testing.TestClient, jwks: JwksServer
) -> None:
    token = jwks.token("ba-user-1")

    created = jwks_client.simulate_post(
        TASKS, json={"title": "x"}, headers={"Authorization": f"Bearer {token}"}
    )

    assert created.status_code == 201 and created.json["user_id"] == "ba-user-1"


def test_unknown_kid_is_401_after_one_refetch(
    jwks_client: falcon.testing.TestClient, jwks: JwksServer
) -> None:
    assert _get(jwks_client, jwks.token("u")).status_code == 200
    fetches = jwks.request_count
    other = JwksServer(algorithms=("EdDSA",))
    with other:
        foreign = other.token("u", iss=jwks.url, aud=jwks.url)

    _assert_401(_get(jwks_client, foreign), "")
    assert jwks.request_count <= fetches + 1


def test_hs256_token_signed_with_the_public_key_is_rejected(
    jwks_client: falcon.testing.TestClient, jwks: JwksServer
) -> None:
    """Algorithm confusion: the JWKS public key used as an HMAC secret must not verify."""
    kid = jwks.public_jwks()[0]["kid"]
    header = _b64({"alg": "HS256", "kid": kid})
    payload = _b64({"sub": "u", "exp": int(time.time()) + 600, "iss": jwks.url, "aud": jwks.url})
    mac = hmac.new(jwks.public_pem(kid), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    forged = f"{header}.{payload}." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    _assert_401(_get(jwks_client, forged), "")


def test_a_secret_token_still_works_beside_jwks(
    jwks_client: falcon.testing.TestClient, jwks: JwksServer
) -> None:
    assert TEST_SECRET
    assert _get(jwks_client, make_token("u", iss=jwks.url, aud=jwks.url)).status_code == 200
