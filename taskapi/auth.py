"""Bearer-token verification: HS* tokens against a shared secret, asymmetric ones against a JWKS."""

from __future__ import annotations

import http.client
import json
import logging
import threading
import time
import urllib.request
from typing import Any

import jwt

log = logging.getLogger("taskapi.auth")

# The header's `alg` picks the key source before anything is verified, and jwt.decode gets exactly
# that one algorithm, so a JWKS public key can never be used as an HMAC secret (algorithm confusion).
HMAC_ALGORITHMS = frozenset({"HS256", "HS384", "HS512"})
# RFC 7518 3.2: an HMAC key at least as long as the hash; a shorter JWT_SECRET verifies HS256 only
HMAC_MIN_SECRET_LENGTH = {"HS256": 32, "HS384": 48, "HS512": 64}
# registered time claims (RFC 7519 4.1.4-6) are NumericDate: a JSON number, never a string
_TIME_CLAIMS = ("exp", "nbf", "iat")
_CACHE_HORIZON = 2**40  # seconds since 1970: tens of thousands of years
JWKS_ALGORITHMS = frozenset(
    {"EdDSA", "ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
)
MAX_USER_ID_LENGTH = 255
_MAX_TOKEN_LENGTH = 8192  # far above any real JWT; stops us base64-decoding megabytes of junk
_MAX_JWKS_BYTES = 1024 * 1024

# Most specific first: InvalidSignatureError is a DecodeError, every one is an InvalidTokenError.
_MESSAGES: tuple[tuple[type[Exception], str], ...] = (
    (jwt.ExpiredSignatureError, "token has expired"),
    (jwt.ImmatureSignatureError, "token is not valid yet (check the issuer's clock)"),
    (jwt.InvalidSignatureError, "token signature is invalid"),
    (jwt.InvalidIssuerError, "token issuer is not accepted"),
    (jwt.InvalidAudienceError, "token audience is not accepted"),
    (jwt.exceptions.InvalidSubjectError, "token subject (sub) must be a string"),
    (jwt.InvalidIssuedAtError, "token issued-at (iat) claim must be a number"),
    (jwt.InvalidKeyError, "token does not match its signing key"),
    (jwt.DecodeError, "token is malformed"),
)
_CLAIM_NAMES = {"exp": "expiry (exp)", "iss": "issuer (iss)", "aud": "audience (aud)"}


class AuthError(Exception):
    """A token was missing or not acceptable; str(e) is a client-safe message (never echo the token)."""


class _JwksCache:
    """Public keys from one JWKS URL; a fetch (initial or refetch) at most once per interval."""

    def __init__(self, url: str, timeout: float, min_interval: float) -> None:
        self._url = url
        self._timeout = timeout
        self._min_interval = min_interval
        # Replaced wholesale, never mutated, so readers use it without the lock.
        self._keys: tuple[jwt.PyJWK, ...] | None = None
        self._last_fetch_failed = False
        self._last_attempt: float | None = None
        self._lock = threading.Lock()

    def holds(self, key: object) -> bool:
        """True while `key` is among the published keys (a refetch may have withdrawn it)."""
        return any(key is k for k in self._keys or ())

    def key_for(self, kid: str | None, alg: str) -> jwt.PyJWK:
        keys = self._keys
        if keys is not None:
            found = _pick(keys, kid, alg)
            if found is not None:
                return found
        with self._lock:
            if self._keys is keys:  # no other thread refreshed while we waited for the lock
                now = time.monotonic()
                if self._last_attempt is None or now - self._last_attempt >= self._min_interval:
                    self._last_attempt = now
                    self._refresh()
            keys, failed = self._keys, self._last_fetch_failed
        found = _pick(keys, kid, alg) if keys is not None else None
        if found is not None:
            return found
        if failed or keys is None:
            raise AuthError("could not verify the token: the key server is unavailable")
        raise AuthError("token signing key (kid) is not known")

    def _refresh(self) -> None:
        try:
            request = urllib.request.Request(self._url, headers={"Accept": "application/json"})
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                document = json.loads(response.read(_MAX_JWKS_BYTES))
            if not isinstance(document, dict):
                raise ValueError("the JWKS document is not a JSON object")
            # PyJWKSet skips keys it cannot use; encryption keys are no use for signatures either.
            key_set = jwt.PyJWKSet.from_dict(document)
            keys = tuple(k for k in key_set if k.public_key_use in (None, "sig"))
        except (OSError, ValueError, TypeError, http.client.HTTPException, jwt.PyJWTError) as exc:
            # Keep the keys we had: a flaky key server should not lock out tokens we already trust.
            self._last_fetch_failed = True
            log.warning("JWKS fetch failed", extra={"jwks_url": self._url, "error": repr(exc)})
            return
        self._keys, self._last_fetch_failed = keys, False
        log.info("JWKS fetched", extra={"jwks_url": self._url, "kids": [k.key_id for k in keys]})


def _pick(keys: tuple[jwt.PyJWK, ...], kid: str | None, alg: str) -> jwt.PyJWK | None:
    """The key for this token, None when `kid` is unknown (worth a refetch), AuthError otherwise."""
    if kid is None:
        # Better Auth always sends a kid; without one, only an unambiguous key set will do.
        usable = [k for k in keys if k.algorithm_name == alg]
        if len(usable) != 1:
            raise AuthError("token has no key id (kid) in its header")
        return usable[0]
    with_kid = [k for k in keys if k.key_id == kid]
    for key in with_kid:
        if key.algorithm_name == alg:
            return key
    if with_kid:
        raise AuthError("token algorithm does not match its signing key")
    return None


VERIFIED_CACHE_SIZE = 4096


class _VerifiedTokens:
    """Tokens already verified, kept until their `exp`: a frontend sends the same token with every
    request for minutes, and checking its signature again is most of the cost of a request.

    Each entry remembers the key that verified it, so a key withdrawn from the JWKS stops its
    tokens as soon as a refetch notices. Bounded: when full, it starts over.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: dict[str, tuple[str, float, object]] = {}

    def get(self, token: str) -> tuple[str, object] | None:
        entry = self._entries.get(token)
        if entry is None or time.time() >= entry[1]:
            return None
        return entry[0], entry[2]

    def put(self, token: str, user_id: str, expires: float, key: object) -> None:
        if len(self._entries) >= self._size:
            self._entries.clear()  # dict operations are atomic under the GIL: no lock needed
        self._entries[token] = (user_id, expires, key)


class TokenVerifier:
    """Checks a bearer JWT and returns the user id it carries."""

    def __init__(
        self,
        *,
        secret: str | None,
        jwks_url: str | None,
        issuer: str | None = None,
        audience: str | None = None,
        leeway: float = 30.0,
        jwks_min_refetch_interval: float = 30.0,
        jwks_timeout: float = 3.0,
    ) -> None:
        if not secret and not jwks_url:
            raise ValueError("TokenVerifier needs a secret, a JWKS URL, or both")
        self._secret = secret or None
        self._hmac_algorithms = frozenset(
            alg for alg, length in HMAC_MIN_SECRET_LENGTH.items() if secret and len(secret) >= length
        )
        self._jwks = _JwksCache(jwks_url, jwks_timeout, jwks_min_refetch_interval) if jwks_url else None
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway
        self._verified = _VerifiedTokens(VERIFIED_CACHE_SIZE)

    def verify(self, token: str) -> str:
        if (hit := self._verified.get(token)) is not None:
            user_id, verified_with = hit
            if verified_with is self._secret or (self._jwks is not None and self._jwks.holds(verified_with)):
                return user_id
        if not token:
            raise AuthError("token is missing")
        if len(token) > _MAX_TOKEN_LENGTH:
            raise AuthError("token is too long")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthError("token is malformed") from None
        alg = header.get("alg")
        if not isinstance(alg, str):  # a list or object here must not reach `in` on a set
            alg = None
        key: str | jwt.PyJWK
        if alg in self._hmac_algorithms and self._secret is not None:
            key = self._secret
        elif alg in JWKS_ALGORITHMS and self._jwks is not None:
            key = self._jwks.key_for(header.get("kid"), alg)
        else:
            raise AuthError(f"token algorithm {_quoted(alg)} is not accepted")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[alg],
                options={"require": ["exp"], "verify_aud": self._audience is not None},
                issuer=self._issuer,
                audience=self._audience,
                leeway=self._leeway,
            )
        except jwt.MissingRequiredClaimError as exc:
            raise AuthError(f"token has no {_CLAIM_NAMES.get(exc.claim, exc.claim)} claim") from None
        except jwt.PyJWTError as exc:
            message = next((m for t, m in _MESSAGES if isinstance(exc, t)), "token is invalid")
            raise AuthError(message) from None
        _check_time_claims(claims)
        user_id = _user_id(claims)
        # an absurd exp (1e400) is still a number; keep the cache's expiry a float that fits
        self._verified.put(token, user_id, float(min(claims["exp"], _CACHE_HORIZON)), key)
        return user_id


def _check_time_claims(claims: dict[str, Any]) -> None:
    for name in _TIME_CLAIMS:
        value = claims.get(name)
        if name in claims and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise AuthError(f"token claim {name} must be a number (seconds since 1970)")


def _user_id(claims: dict[str, Any]) -> str:
    user_id = claims.get("sub")
    if user_id is None:
        user_id = claims.get("user_id")
    if user_id is None:
        raise AuthError("token has no subject (sub) claim")
    # printable: no NUL (PostgreSQL cannot store it), control characters or lone surrogates
    if (
        not isinstance(user_id, str)
        or not user_id.strip()
        or len(user_id) > MAX_USER_ID_LENGTH
        or not user_id.isprintable()
    ):
        raise AuthError(
            f"token subject (sub) must be non-empty printable text of at most {MAX_USER_ID_LENGTH} characters"
        )
    return user_id


def _quoted(alg: object) -> str:
    # The header is attacker-controlled: name the algorithm only when it looks like one.
    if isinstance(alg, str) and 0 < len(alg) <= 16 and alg.isalnum():
        return f"'{alg}'"
    return "(missing or unreadable)"


def issue_dev_token(
    secret: str,
    user_id: str,
    *,
    algorithm: str = "HS256",
    ttl_seconds: int = 3600,
    issuer: str | None = None,
    audience: str | None = None,
) -> str:
    """An HS* token for local development and tests; production tokens come from the auth server."""
    if algorithm not in HMAC_ALGORITHMS:
        raise ValueError(f"algorithm must be one of {sorted(HMAC_ALGORITHMS)}")
    now = int(time.time())
    claims: dict[str, Any] = {"sub": user_id, "iat": now, "exp": now + ttl_seconds}
    if issuer is not None:
        claims["iss"] = issuer
    if audience is not None:
        claims["aud"] = audience
    return jwt.encode(claims, secret, algorithm=algorithm)
