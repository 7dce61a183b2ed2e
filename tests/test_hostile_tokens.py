"""Tokens crafted to break things after the signature checks out: odd subjects and time claims."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import logging
import time
from typing import Any

import falcon.testing
import jwt
import pytest

from taskapi.auth import AuthError, TokenVerifier
from taskapi.logs import JsonFormatter
from tests.api import TEST_SECRET


def signed(payload_json: str, secret: str = TEST_SECRET) -> str:
    """An HS256 token over a payload given as raw JSON text (so it can carry lone surrogates)."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(b'{"alg":"HS256","typ":"JWT"}')
    signing_input = f"{header}.{b64(payload_json.encode())}"
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def payload(**claims: Any) -> str:
    now = int(time.time())
    return json.dumps({"sub": "user-1", "iat": now, "exp": now + 600, **claims})


def get_tasks(client: falcon.testing.TestClient, token: str) -> falcon.testing.Result:
    return client.simulate_get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize(
    "sub_json",
    [r'"user\u0000x"', r'"\ud800"', r'"user\udfff"', r'"tab\there"', r'"line\nbreak"', r'"\u0007"'],
    ids=["nul", "lone-high-surrogate", "lone-low-surrogate", "tab", "newline", "bell"],
)
def test_subject_that_is_not_printable_text_is_401(client: falcon.testing.TestClient, sub_json: str) -> None:
    token = signed(payload().replace('"user-1"', sub_json))
    result = get_tasks(client, token)
    assert result.status_code == 401, result.text
    assert "printable" in result.json["detail"]


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
@pytest.mark.parametrize("value", ["4102444800", "soon", True, None, [1], {"t": 1}])
def test_time_claims_must_be_numbers(claim: str, value: Any) -> None:
    verifier = TokenVerifier(secret=TEST_SECRET, jwks_url=None)
    token = signed(payload(**{claim: value}))
    with pytest.raises(AuthError):
        verifier.verify(token)


@pytest.mark.parametrize("exp", ["1e400", "Infinity", str(10**400)])
def test_absurd_numeric_expiry_is_401_not_500(client: falcon.testing.TestClient, exp: str) -> None:
    token = signed(payload().replace(f'"exp": {int(time.time()) + 600}', f'"exp": {exp}'))
    assert f'"exp": {exp}' in base64.urlsafe_b64decode(token.split(".")[1] + "==").decode()
    result = get_tasks(client, token)
    assert result.status_code in (200, 401), result.text


def test_numeric_expiry_still_works(client: falcon.testing.TestClient) -> None:
    assert get_tasks(client, signed(payload(exp=time.time() + 600.5))).status_code == 200


@pytest.mark.parametrize(("alg", "accepted"), [("HS256", True), ("HS384", False), ("HS512", False)])
def test_hmac_algorithms_need_a_secret_as_long_as_their_hash(alg: str, accepted: bool) -> None:
    secret = "s" * 44  # enough for HS256 (32), short of HS384 (48) and HS512 (64)
    token = jwt.encode({"sub": "u", "exp": int(time.time()) + 60}, secret, algorithm=alg)
    verifier = TokenVerifier(secret=secret, jwks_url=None)
    if accepted:
        assert verifier.verify(token) == "u"
    else:
        with pytest.raises(AuthError, match=f"'{alg}' is not accepted"):
            verifier.verify(token)


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_a_64_character_secret_verifies_every_hmac_algorithm(alg: str) -> None:
    secret = "s" * 64
    token = jwt.encode({"sub": "u", "exp": int(time.time()) + 60}, secret, algorithm=alg)
    assert TokenVerifier(secret=secret, jwks_url=None).verify(token) == "u"


def test_log_formatter_writes_a_line_for_any_text() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("taskapi.test-hostile")
    log.addHandler(handler)
    try:
        log.warning("odd \ud800 message", extra={"user_id": "\udfff", "path": "/a\x00b", "other": object()})
    finally:
        log.removeHandler(handler)
    written = stream.getvalue()
    written.encode("utf-8")  # what reaches stderr is valid UTF-8
    line = json.loads(written)
    assert line["level"] == "WARNING"
    assert (line["message"], line["user_id"], line["path"]) == ("odd \ud800 message", "\udfff", "/a\x00b")
    assert line["other"].startswith("<object object")
