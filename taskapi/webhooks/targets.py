"""Where a webhook may be sent: https (plain http only when the operator allows it), and, unless the
operator allows private targets, only to public addresses, checked on every address the host
resolves to, when a subscription is saved and again before each attempt (DNS may have changed)."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit


@dataclass(frozen=True)
class TargetPolicy:
    allow_http: bool = False
    allow_private: bool = False


class TargetRefused(Exception):
    """The URL or what it resolves to is not allowed; str(e) says why."""


def split(url: str, policy: TargetPolicy) -> SplitResult:
    """The URL's parts, if its form is allowed."""
    parts = urlsplit(url)
    schemes = ("https", "http") if policy.allow_http else ("https",)
    if parts.scheme not in schemes:
        raise TargetRefused(
            "Must be an https:// URL." if not policy.allow_http else "Must be an http(s) URL."
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise TargetRefused("Must have a valid port.") from None
    if not parts.hostname:
        raise TargetRefused("Must name a host.")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("Must not contain credentials.")
    if parts.fragment:
        raise TargetRefused("Must not have a #fragment.")
    return parts


def port_of(parts: SplitResult) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int, policy: TargetPolicy) -> list[str]:
    """The addresses to connect to; refused when any of them is not public (unless allowed)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise TargetRefused("The host does not resolve.") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not policy.allow_private and not all(is_public(address) for address in addresses):
        raise TargetRefused("Must not resolve to a private, loopback or link-local address.")
    return addresses


def check(url: str, policy: TargetPolicy) -> None:
    """Raise TargetRefused when a subscription may not use `url`."""
    parts = split(url, policy)
    assert parts.hostname is not None
    resolve(parts.hostname, port_of(parts), policy)
