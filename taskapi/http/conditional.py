"""ETags from task versions, and the If-Match / If-None-Match headers that name them."""

from __future__ import annotations

import re

import falcon

from taskapi.domain.errors import Invalid

MAX_VERSION = 2**31 - 1
_TAG = re.compile(r'^(?:W/)?"(\d{1,10})"$')


def etag(version: int) -> str:
    return f'"{version}"'


def _versions(header: str, name: str) -> list[int] | None:
    """The versions a header lists; None for `*` (any version)."""
    if header.strip() == "*":
        return None
    versions = []
    for tag in header.split(","):
        match = _TAG.match(tag.strip())
        if match is None:
            raise Invalid({name: ['Must list ETags as the API sends them, e.g. "3" (or *).']})
        version = int(match.group(1))
        # the version column is an int4: a bigger version can never match (and would break the query)
        if version <= MAX_VERSION:
            versions.append(version)
    return versions


def if_match(req: falcon.Request) -> list[int] | None:
    """The versions a write may apply to; None when the client set no precondition."""
    header = req.get_header("If-Match")
    return None if header is None else _versions(header, "If-Match")


def not_modified(req: falcon.Request, version: int) -> bool:
    """True when If-None-Match names the task's current version (answer 304)."""
    header = req.get_header("If-None-Match")
    if header is None:
        return False
    versions = _versions(header, "If-None-Match")
    return versions is None or version in versions
