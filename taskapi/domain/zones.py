"""The time zone names taskapi accepts: the IANA tz database's own list, as the tzdata package holds it.

The system's zoneinfo folder (what `zoneinfo.available_timezones()` reads) also holds files that are
not zone names (`localtime`, a link to the machine's own zone), and differs between machines;
the list shipped with tzdata is the same everywhere. Backward-compatible links such as
`Asia/Calcutta` stay accepted: browsers still report them. `Factory` is a placeholder, not a zone.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def zone_names() -> tuple[str, ...]:
    names = files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()
    return tuple(sorted(set(names) - {"Factory"}))


@cache
def is_zone_name(name: str) -> bool:
    return name in frozenset(zone_names())
