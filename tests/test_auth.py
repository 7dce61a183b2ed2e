"""TokenVerifier: HS* tokens against the secret, asymmetric ones against a real local JWKS server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from taskapi.auth import AuthError, TokenVerifier, issue_dev_token
from tests.jwks_server import JwksServer

SECRET = "test-secret-" + "x" * 52  # 64 bytes: long enough for HS512 without PyJWT's key-length warning
ISSUER = "https://auth.example.test"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64json(obj: Any) -> str:
    return b64(json.dumps(obj).encode())


def claims(**overrides: Any) -> dict[str, Any]:
    """Valid claims; an override of None removes the claim."""
    now = int(time.time())
    base: dict[str, Any] = {"sub": "user-1", "iat": now, "exp": now + 900}
    return {k: v for k, v in {**base, **overrides}.items() if v is not None}


def hs_token(alg: str = "HS256", secret: str = SECRET, **overrides: Any) -> str:
    return jwt.encode(claims(**overrides), secret, algorithm=alg)


def hmac_token(header: dict[str, Any], payload: dict[str, Any], key: bytes) -> str:
    """HS256 by hand: PyJWT itself refuses to sign with a PEM or JWK as the secret."""
    signing_input = f"{b64json(header)}.{b64json(payload)}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def secret_verifier(**kwargs: Any) -> TokenVerifier:
    return TokenVerifier(secret=SECRET, jwks_url=None, **kwargs)


def jwks_verifier(server: JwksServer, **kwargs: Any) -> TokenVerifier:
    options = {"secret": None, "issuer": server.url, "audience": server.url, **kwargs}
    return TokenVerifier(jwks_url=server.jwks_url, **options)


def rejected(verifier: TokenVerifier, token: str, message: str) -> None:
    with pytest.raises(AuthError) as info:
        verifier.verify(token)
    assert message in str(info.value)
    assert not token or token not in str(info.value)


@pytest.fixture(scope="module")
def server() -> Iterator[JwksServer]:
    """Shared and read-only: tests that add keys or take the server down start their own."""
    with JwksServer(algorithms=("EdDSA", "ES256", "RS256")) as running:
        yield running


# --- shared secret (HS*) -----------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_hs_tokens_are_accepted(alg: str) -> None:
    assert secret_verifier().verify(hs_token(alg)) == "user-1"


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_issue_dev_token_is_accepted(alg: str) -> None:
    token = issue_dev_token(SECRET, "dev-user", algorithm=alg, issuer=ISSUER, audience="taskapi")
    assert secret_verifier(issuer=ISSUER, audience="taskapi").verify(token) == "dev-user"


def test_issue_dev_token_refuses_asymmetric_algorithms() -> None:
    with pytest.raises(ValueError):
        issue_dev_token(SECRET, "dev-user", algorithm="RS256")


def test_expired_token_is_rejected() -> None:
    rejected(secret_verifier(), hs_token(exp=int(time.time()) - 120), "token has expired")


def test_token_expired_within_the_leeway_is_accepted() -> None:
    assert secret_verifier(leeway=30).verify(hs_token(exp=int(time.time()) - 5)) == "user-1"


def test_token_from_the_future_is_rejected() -> None:
    rejected(secret_verifier(), hs_token(nbf=int(time.time()) + 600), "not valid yet")


def test_token_signed_with_another_secret_is_rejected() -> None:
    rejected(
        secret_verifier(),
        hs_token(secret="another-secret-" + "y" * 49),
        "token signature is invalid",
    )


def test_tampered_payload_is_rejected() -> None:
    header, _, signature = hs_token().split(".")
    forged = f"{header}.{b64json(claims(sub='admin'))}.{signature}"
    rejected(secret_verifier(), forged, "token signature is invalid")


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none_is_rejected(alg: str) -> None:
    unsigned = f"{b64json({'alg': alg, 'typ': 'JWT'})}.{b64json(claims())}."
    rejected(secret_verifier(), unsigned, f"token algorithm '{alg}' is not accepted")


@pytest.mark.parametrize("alg", ["ES256K", "HS1", "", None, ["HS256"], {"x": 1}])
def test_unknown_or_unreadable_algorithm_is_rejected(alg: Any) -> None:
    header = {"typ": "JWT"} if alg is None else {"alg": alg}
    token = hmac_token(header, claims(), SECRET.encode())
    rejected(secret_verifier(), token, "is not accepted")


def test_missing_exp_is_rejected() -> None:
    rejected(secret_verifier(), hs_token(exp=None), "token has no expiry (exp) claim")


def test_wrong_issuer_is_rejected() -> None:
    rejected(
        secret_verifier(issuer=ISSUER),
        hs_token(iss="https://evil.test"),
        "token issuer is not accepted",
    )


def test_missing_issuer_is_rejected_when_one_is_configured() -> None:
    rejected(secret_verifier(issuer=ISSUER), hs_token(), "token has no issuer (iss) claim")


def test_wrong_audience_is_rejected() -> None:
    rejected(
        secret_verifier(audience="taskapi"),
        hs_token(aud="other-api"),
        "token audience is not accepted",
    )


def test_missing_audience_is_rejected_when_one_is_configured() -> None:
    rejected(secret_verifier(audience="taskapi"), hs_token(), "token has no audience (aud) claim")


def test_issuer_and_audience_are_accepted_when_right() -> None:
    verifier = secret_verifier(issuer=ISSUER, audience="taskapi")
    assert verifier.verify(hs_token(iss=ISSUER, aud="taskapi")) == "user-1"
    assert verifier.verify(hs_token(iss=ISSUER, aud=["other-api", "taskapi"])) == "user-1"


def test_issuer_and_audience_are_not_checked_when_not_configured() -> None:
    # Better Auth always sets aud; a deployment without JWT_AUDIENCE must still accept its tokens
    assert secret_verifier().verify(hs_token(iss="https://any.test", aud="any")) == "user-1"


def test_user_id_claim_is_the_fallback_for_sub() -> None:
    assert secret_verifier().verify(hs_token(sub=None, user_id="user-2")) == "user-2"
    assert secret_verifier().verify(hs_token(sub="user-1", user_id="user-2")) == "user-1"


def test_missing_subject_is_rejected() -> None:
    rejected(secret_verifier(), hs_token(sub=None), "token has no subject (sub) claim")


@pytest.mark.parametrize("sub", ["", "   ", 42, "u" * 256])
def test_unusable_subject_is_rejected(sub: Any) -> None:
    rejected(secret_verifier(), hs_token(sub=sub), "token subject (sub) must be")


def test_unusable_user_id_fallback_is_rejected() -> None:
    rejected(secret_verifier(), hs_token(sub=None, user_id=["user-2"]), "token subject (sub) must be")


def test_subject_of_255_characters_is_accepted() -> None:
    assert secret_verifier().verify(hs_token(sub="u" * 255)) == "u" * 255


@pytest.mark.parametrize(
    "token",
    ["abc", "a.b.c", "a.b", "...", "Bearer abc", f"{b64json({'alg': 'HS256'})}.!!!.xyz", "é.é.é"],
)
def test_malformed_token_is_rejected(token: str) -> None:
    rejected(secret_verifier(), token, "token is malformed")


def test_empty_token_is_rejected() -> None:
    rejected(secret_verifier(), "", "token is missing")


def test_huge_token_is_rejected() -> None:
    rejected(secret_verifier(), hs_token(pad="x" * 20_000), "token is too long")


def test_verifier_needs_a_key_source() -> None:
    with pytest.raises(ValueError):
        TokenVerifier(secret=None, jwks_url=None)


# --- algorithm confusion -----------------------------------------------------------------------


@pytest.mark.parametrize("key_alg", ["EdDSA", "ES256", "RS256"])
@pytest.mark.parametrize("key_format", ["pem", "jwk"])
def test_hs256_signed_with_a_public_key_is_rejected(
    server: JwksServer, key_alg: str, key_format: str
) -> None:
    # the classic confusion attack: the attacker knows the public key and uses it as an HMAC secret
    kid = next(k["kid"] for k in server.public_jwks() if k["alg"] == key_alg)
    public_key = (
        server.public_pem(kid) if key_format == "pem" else json.dumps(server.public_jwk(kid)).encode()
    )
    token = hmac_token({"alg": "HS256", "kid": kid}, claims(iss=server.url, aud=server.url), public_key)
    verifier = jwks_verifier(server, secret=SECRET)
    rejected(verifier, token, "token signature is invalid")
    rejected(jwks_verifier(server), token, "token algorithm 'HS256' is not accepted")


def test_asymmetric_token_is_rejected_when_only_a_secret_is_configured() -> None:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(claims(), private_key, algorithm="RS256")
    rejected(secret_verifier(), token, "token algorithm 'RS256' is not accepted")


def test_hs_token_is_rejected_when_only_a_jwks_is_configured(server: JwksServer) -> None:
    rejected(jwks_verifier(server), hs_token(iss=server.url, aud=server.url), "'HS256' is not accepted")


def test_both_sources_configured_accept_both_kinds(server: JwksServer) -> None:
    verifier = jwks_verifier(server, secret=SECRET)
    assert verifier.verify(hs_token(iss=server.url, aud=server.url, sub="hs-user")) == "hs-user"
    assert verifier.verify(server.token("jwks-user")) == "jwks-user"


# --- JWKS (Better Auth) --------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "ES512", "RS256", "PS256"])
def test_better_auth_token_is_accepted(alg: str) -> None:
    with JwksServer(algorithms=(alg,)) as own:
        token = own.token("ba-user")
        assert jwt.get_unverified_header(token) == {"alg": alg, "kid": own.public_jwks()[0]["kid"]}
        assert jwks_verifier(own).verify(token) == "ba-user"


def test_every_published_key_is_usable(server: JwksServer) -> None:
    verifier = jwks_verifier(server)
    for jwk in server.public_jwks():
        assert verifier.verify(server.token(f"user-{jwk['alg']}", kid=jwk["kid"])) == f"user-{jwk['alg']}"


def test_keys_are_cached_across_tokens() -> None:
    with JwksServer() as own:
        verifier = jwks_verifier(own)
        for n in range(10):
            verifier.verify(own.token(f"user-{n}"))
        assert own.request_count == 1


def test_jwks_token_claims_are_checked(server: JwksServer) -> None:
    verifier = jwks_verifier(server)
    rejected(verifier, server.token(aud="https://other.test"), "token audience is not accepted")
    rejected(verifier, server.token(iss="https://other.test"), "token issuer is not accepted")
    rejected(verifier, server.token(exp=int(time.time()) - 120), "token has expired")
    rejected(verifier, server.sign(claims(iss=server.url, aud=server.url, exp=None)), "no expiry (exp)")


def test_token_signed_by_an_unpublished_key_is_rejected(server: JwksServer) -> None:
    with JwksServer(algorithms=("EdDSA",)) as impostor:
        published_kid = next(k["kid"] for k in server.public_jwks() if k["alg"] == "EdDSA")
        token = impostor.sign(claims(iss=server.url, aud=server.url), headers={"kid": published_kid})
    rejected(jwks_verifier(server), token, "token signature is invalid")


def test_algorithm_that_does_not_match_the_kids_key_is_rejected(server: JwksServer) -> None:
    kids = {k["alg"]: k["kid"] for k in server.public_jwks()}
    token = server.sign(
        claims(iss=server.url, aud=server.url), kid=kids["ES256"], headers={"kid": kids["EdDSA"]}
    )
    rejected(jwks_verifier(server), token, "token algorithm does not match its signing key")


def test_rotated_key_is_fetched_once_the_refetch_interval_has_passed() -> None:
    with JwksServer() as own:
        verifier = jwks_verifier(own, jwks_min_refetch_interval=0.3)
        assert verifier.verify(own.token("before")) == "before"
        new_kid = own.add_key("EdDSA")
        time.sleep(0.35)
        assert verifier.verify(own.token("after", kid=new_kid)) == "after"
        assert own.request_count == 2


def test_rotated_key_within_the_refetch_interval_is_rejected_until_it_passes() -> None:
    with JwksServer() as own:
        verifier = jwks_verifier(own, jwks_min_refetch_interval=0.3)
        verifier.verify(own.token())
        new_kid = own.add_key("ES256")
        rejected(verifier, own.token(kid=new_kid), "token signing key (kid) is not known")
        assert own.request_count == 1
        time.sleep(0.35)
        assert verifier.verify(own.token("later", kid=new_kid)) == "later"
        assert own.request_count == 2


def test_removed_key_is_dropped_on_the_next_refetch() -> None:
    with JwksServer() as own:
        verifier = jwks_verifier(own, jwks_min_refetch_interval=0)
        old_kid = own.public_jwks()[0]["kid"]
        old_token = own.token(kid=old_kid)
        verifier.verify(old_token)
        new_kid = own.add_key("EdDSA")
        own.remove_key(old_kid)
        verifier.verify(own.token(kid=new_kid))
        rejected(verifier, old_token, "token signing key (kid) is not known")


def junk_kid_tokens(own: JwksServer, count: int) -> list[str]:
    return [
        own.sign(claims(iss=own.url, aud=own.url), headers={"kid": secrets.token_hex(8)})
        for _ in range(count)
    ]


def verify_all_concurrently(verifier: TokenVerifier, tokens: list[str]) -> list[str]:
    def attempt(token: str) -> str:
        try:
            return verifier.verify(token)
        except AuthError as exc:
            return f"rejected: {exc}"

    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(attempt, tokens))


def test_flood_of_unknown_kids_within_the_interval_causes_no_fetch() -> None:
    with JwksServer() as own:
        verifier = jwks_verifier(own)
        verifier.verify(own.token())
        results = verify_all_concurrently(verifier, junk_kid_tokens(own, 50))
        assert results == ["rejected: token signing key (kid) is not known"] * 50
        assert own.request_count == 1
        assert verifier.verify(own.token("still-fine")) == "still-fine"


def test_flood_of_unknown_kids_after_the_interval_causes_exactly_one_refetch() -> None:
    with JwksServer() as own:
        verifier = jwks_verifier(own, jwks_min_refetch_interval=0.3)
        verifier.verify(own.token())
        time.sleep(0.35)
        results = verify_all_concurrently(verifier, junk_kid_tokens(own, 50))
        assert results == ["rejected: token signing key (kid) is not known"] * 50
        assert own.request_count == 2


def test_flood_of_unknown_kids_on_a_cold_cache_fetches_once() -> None:
    with JwksServer() as own:
        results = verify_all_concurrently(jwks_verifier(own), junk_kid_tokens(own, 50))
        assert set(results) == {"rejected: token signing key (kid) is not known"}
        assert own.request_count == 1


def test_token_without_kid_is_accepted_when_one_key_fits_its_algorithm() -> None:
    with JwksServer(algorithms=("EdDSA", "ES256")) as own:
        token = own.sign(claims(iss=own.url, aud=own.url), headers={"kid": None})
        assert "kid" not in jwt.get_unverified_header(token)
        assert jwks_verifier(own).verify(token) == "user-1"


def test_token_without_kid_is_rejected_when_several_keys_fit() -> None:
    with JwksServer(algorithms=("EdDSA", "EdDSA")) as own:
        token = own.sign(claims(iss=own.url, aud=own.url), headers={"kid": None})
        rejected(jwks_verifier(own), token, "token has no key id (kid)")


def test_unreachable_key_server_is_a_clear_auth_error(caplog: pytest.LogCaptureFixture) -> None:
    own = JwksServer()
    with own:
        token, jwks_url, url = own.token(), own.jwks_url, own.url
    verifier = TokenVerifier(secret=None, jwks_url=jwks_url, issuer=url, audience=url, jwks_timeout=1)
    with caplog.at_level(logging.WARNING, logger="taskapi.auth"):
        rejected(verifier, token, "could not verify the token: the key server is unavailable")
    assert any(r.name == "taskapi.auth" and r.levelno == logging.WARNING for r in caplog.records)
    assert token not in caplog.text


def test_key_server_error_status_is_a_clear_auth_error() -> None:
    with JwksServer() as own:
        own.available = False
        rejected(jwks_verifier(own), own.token(), "the key server is unavailable")


def test_key_server_that_never_answers_times_out() -> None:
    with JwksServer() as signer:
        token = signer.token()
    with socket.socket() as silent:  # listens but never accepts: the connect succeeds, the read hangs
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        jwks_url = f"http://127.0.0.1:{silent.getsockname()[1]}/api/auth/jwks"
        verifier = TokenVerifier(secret=None, jwks_url=jwks_url, jwks_timeout=0.3)
        started = time.monotonic()
        rejected(verifier, token, "the key server is unavailable")
        assert time.monotonic() - started < 2


def test_cached_keys_keep_working_while_the_key_server_is_down() -> None:
    with JwksServer() as own:
        verifier = jwks_verifier(own, jwks_min_refetch_interval=0)
        verifier.verify(own.token())
        own.available = False
        assert verifier.verify(own.token("cached")) == "cached"
        rejected(verifier, junk_kid_tokens(own, 1)[0], "the key server is unavailable")
        own.available = True
        assert verifier.verify(own.token("back")) == "back"


@pytest.mark.parametrize(
    "body",
    [
        b"<html>not json</html>",
        b"[]",
        b'{"keys": []}',
        b'{"keys": {"kty": "OKP"}}',
        b'{"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "!!", "alg": "EdDSA"}]}',
        b'{"keys": [{"kty": "OKP", "crv": "Ed25519", "alg": ["EdDSA"]}]}',
    ],
)
def test_broken_key_set_is_a_clear_auth_error(body: bytes) -> None:
    with JwksServer() as own:
        own.body_override = body
        rejected(jwks_verifier(own), own.token(), "the key server is unavailable")


def test_encryption_keys_in_the_key_set_are_not_used_for_signatures() -> None:
    with JwksServer() as own:
        kid = own.public_jwks()[0]["kid"]
        own.body_override = json.dumps({"keys": [{**own.public_jwk(kid), "use": "enc"}]}).encode()
        rejected(jwks_verifier(own), own.token(), "token signing key (kid) is not known")


def test_failed_fetches_are_rate_limited_too() -> None:
    with JwksServer() as own:
        own.available = False
        verifier = jwks_verifier(own)
        for _ in range(5):
            rejected(verifier, own.token(), "the key server is unavailable")
        assert own.request_count == 1


def test_a_verified_token_is_not_checked_again_until_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    verifier = secret_verifier()
    token = hs_token()
    decodes = []
    real_decode = jwt.decode
    monkeypatch.setattr(jwt, "decode", lambda *a, **k: decodes.append(1) or real_decode(*a, **k))

    assert [verifier.verify(token) for _ in range(3)] == ["user-1"] * 3
    assert len(decodes) == 1


def test_a_cached_token_is_refused_once_it_expires() -> None:
    verifier = secret_verifier(leeway=0)
    token = hs_token(exp=int(time.time()) + 1)
    assert verifier.verify(token) == "user-1"

    time.sleep(1.1)

    rejected(verifier, token, "expired")
