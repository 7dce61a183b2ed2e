"""A real local JWKS server shaped like Better Auth's, and the signer for its tokens (test helper)."""

from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import get_default_algorithms

_CURVES: dict[str, ec.EllipticCurve] = {
    "ES256": ec.SECP256R1(),
    "ES384": ec.SECP384R1(),
    "ES512": ec.SECP521R1(),
}


def generate_private_key(alg: str) -> Any:
    """A fresh private key for a JWS algorithm name (EdDSA = Ed25519, as Better Auth uses)."""
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    if alg in _CURVES:
        return ec.generate_private_key(_CURVES[alg])
    if alg[:2] in ("RS", "PS"):
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise ValueError(f"no key type for {alg}")


class JwksServer:
    """`with JwksServer() as server:` serves `{"keys": [...]}` at `server.jwks_url`.

    `server.url` is the base URL, which Better Auth puts in both `iss` and `aud`. `add_key()`
    publishes a new key (rotation); `sign()` / `token()` mint tokens the way Better Auth does:
    `kid` and `alg` in the header, no `typ`. `available = False` makes the endpoint answer 503.
    """

    JWKS_PATH = "/api/auth/jwks"

    def __init__(self, algorithms: tuple[str, ...] = ("EdDSA",)) -> None:
        self._keys: dict[str, tuple[str, Any]] = {}  # kid -> (alg, private key), in insertion order
        self._lock = threading.Lock()
        self._request_count = 0
        self.available = True  # False: the endpoint answers 503
        self.body_override: bytes | None = None  # served instead of the key set (broken servers)
        for alg in algorithms:
            self.add_key(alg)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> JwksServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner._count_request()
                if self.path != owner.JWKS_PATH:
                    self.send_error(404)
                elif not owner.available:
                    self.send_error(503)
                else:
                    body = owner.body_override or json.dumps({"keys": owner.public_jwks()}).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # keep pytest output quiet
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Shut the server down; its port then refuses connections (the 'key server is down' case)."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    @property
    def url(self) -> str:
        """The base URL, e.g. http://127.0.0.1:54321 (Better Auth's `iss` and `aud`)."""
        if self._httpd is None:
            raise RuntimeError("JwksServer is not running; use it as a context manager")
        return f"http://127.0.0.1:{self._httpd.server_port}"

    @property
    def jwks_url(self) -> str:
        return self.url + self.JWKS_PATH

    @property
    def request_count(self) -> int:
        with self._lock:
            return self._request_count

    def _count_request(self) -> None:
        with self._lock:
            self._request_count += 1

    def add_key(self, alg: str = "EdDSA", kid: str | None = None) -> str:
        """Create and publish a key pair for `alg`; returns its kid. The newest key signs by default."""
        kid = kid or secrets.token_urlsafe(12)
        with self._lock:
            self._keys[kid] = (alg, generate_private_key(alg))
        return kid

    def remove_key(self, kid: str) -> None:
        with self._lock:
            del self._keys[kid]

    def private_key(self, kid: str) -> Any:
        with self._lock:
            return self._keys[kid][1]

    def public_pem(self, kid: str) -> bytes:
        pem: bytes = (
            self.private_key(kid)
            .public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
        return pem

    def public_jwk(self, kid: str) -> dict[str, Any]:
        with self._lock:
            alg, private_key = self._keys[kid]
        jwk: dict[str, Any] = get_default_algorithms()[alg].to_jwk(private_key.public_key(), as_dict=True)
        return {**jwk, "kid": kid, "alg": alg}

    def public_jwks(self) -> list[dict[str, Any]]:
        with self._lock:
            kids = list(self._keys)
        return [self.public_jwk(kid) for kid in kids]

    def sign(
        self,
        claims: dict[str, Any],
        *,
        kid: str | None = None,
        alg: str | None = None,
        headers: dict[str, Any] | None = None,
    ) -> str:
        """Sign `claims` as given with key `kid` (default: the newest); `headers` override the header
        (a None value removes that field)."""
        with self._lock:
            kid = kid or next(reversed(self._keys))
            key_alg, private_key = self._keys[kid]
        merged = {"kid": kid, "alg": alg or key_alg, "typ": None, **(headers or {})}
        # None drops a field (e.g. headers={"kid": None} for a kid-less token); typ=None drops typ
        header = {k: v for k, v in merged.items() if v is not None or k == "typ"}
        return jwt.encode(claims, private_key, algorithm=header["alg"], headers=header)

    def token(self, sub: str = "user-1", *, kid: str | None = None, ttl: int = 900, **claims: Any) -> str:
        """A token shaped like Better Auth's: sub, iat, exp (15 min), iss and aud = the base URL."""
        now = int(time.time())
        base = {"sub": sub, "iat": now, "exp": now + ttl, "iss": self.url, "aud": self.url}
        return self.sign({**base, **claims}, kid=kid)
