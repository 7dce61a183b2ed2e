"""The text forms the API accepts, as regular expressions the server checks and the OpenAPI document shows.

Each pattern is written so that Python's `re` (the server) and ECMA 262 (JSON Schema, clients)
read it the same way: ASCII classes only (`[0-9]`, never `\\d`, which Python widens to every
script's digits), no inline flags, and it is matched whole (`re.fullmatch` on the server).
"""

from __future__ import annotations

import re
import sys

# what str.strip() removes (Unicode White_Space plus the ASCII separators \x1c-\x1f); ECMA's `\s`
# is a different set, so the class is spelled out
_WHITESPACE = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())


def char_class(chars: str, *, negate: bool = False) -> str:
    """A bracket expression of exactly these characters, each as \\uXXXX (ECMA and Python agree)."""
    body = "".join(f"\\u{ord(c):04x}" for c in chars if ord(c) <= 0xFFFF)
    return f"[{'^' if negate else ''}{body}]"


WHITESPACE = char_class(_WHITESPACE)


def text(*, trim: bool, min_length: int = 0, max_length: int | None = None, excluded: str = "\x00") -> str:
    """A string without the `excluded` characters, of min..max characters once trimmed (if `trim`)."""
    if not trim:
        return f"^{char_class(excluded, negate=True)}*$"
    edge = char_class(_WHITESPACE + excluded, negate=True)
    inner = char_class(excluded, negate=True)
    middle = "*" if max_length is None else f"{{0,{max_length - 2}}}"
    core = edge if max_length == 1 else f"{edge}(?:{inner}{middle}{edge})?"
    if min_length == 0:
        core = f"(?:{core})?"
    return f"^{WHITESPACE}*{core}{WHITESPACE}*$"


def any_case(pattern: str) -> str:
    """`pattern` with each ASCII letter outside brackets and escapes matching either case."""
    out, in_class, escaped = [], False, False
    for c in pattern:
        if escaped:
            out.append(c)
            escaped = False
        elif c == "\\":
            out.append(c)
            escaped = True
        elif c in "[]":
            in_class = c == "[" or (in_class and c != "]")
            out.append(c)
        elif c.isascii() and c.isalpha() and not in_class:
            out.append(f"[{c.upper()}{c.lower()}]")
        else:
            out.append(c)
    return "".join(out)


# RFC 3339 5.6 date-time with its offset, a year from 1900 to 9999 as written; 9999-12-31 is left
# out so that every offset keeps the moment inside the year 9999 in UTC (what Python and the
# database hold). The Gregorian calendar in full: month lengths, and February 29 in years
# divisible by 4 but not by 100 unless by 400 (1900 is not a leap year, 2000 is). No lookahead:
# it would cost a generator of examples seconds a value.
_BEFORE_9999 = "(?:19[0-9]{2}|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"
_DAY_29, _DAY_30, _DAY_31 = (
    "(?:0[1-9]|1[0-9]|2[0-8])",
    "(?:0[1-9]|[12][0-9]|30)",
    "(?:0[1-9]|[12][0-9]|3[01])",
)
_MONTH_DAY = f"(?:(?:0[13578]|1[02])-{_DAY_31}|(?:0[469]|11)-{_DAY_30}|02-{_DAY_29})"
_MONTH_DAY_9999 = f"(?:(?:0[13578]|10)-{_DAY_31}|(?:0[469]|11)-{_DAY_30}|12-{_DAY_30}|02-{_DAY_29})"
_LEAP_YEAR = "(?:(?:19|[2-9][0-9])(?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[13579][26])00)"
_DATE = f"(?:{_BEFORE_9999}-{_MONTH_DAY}|9999-{_MONTH_DAY_9999}|{_LEAP_YEAR}-02-29)"
# a YYYY-MM-DD whose year is in range (to say why a timestamp was refused)
YEAR = f"(?:{_BEFORE_9999}-[0-9]{{2}}|9999-(?:0[0-9]|1[01]))-[0-9]{{2}}|9999-12-(?:[0-2][0-9]|3[02-9])"
_TIME = "(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{1,9})?"


def timestamp(signs: str = "+-") -> str:
    """The timestamp pattern; `signs` may start a numeric offset (a bracket expression's body, `-` last)."""
    return f"^{_DATE}[Tt]{_TIME}(?:[Zz]|[{signs}](?:[01][0-9]|2[0-3]):[0-5][0-9])$"


TIMESTAMP = timestamp()
# a query string's unencoded `+` arrives as a space, which is read as `+`
QUERY_TIMESTAMP = timestamp(" +-")

# RFC 5545 3.3.10 RECUR, upper case, FREQ first (as 3.3.10 requires). What a pattern cannot say is
# the server's alone: no part given twice, not UNTIL and COUNT together, UNTIL a real date.
_WEEKDAY = "(?:MO|TU|WE|TH|FR|SA|SU)"


# the value ranges of 3.3.10, with any leading zeros (as Python's int() reads them)
_SECOND, _MINUTE, _HOUR = "0*(?:[0-5]?[0-9]|60)", "0*[0-5]?[0-9]", "0*(?:[01]?[0-9]|2[0-3])"
_MONTH, _MONTHDAY = "0*(?:[1-9]|1[0-2])", "[+-]?0*(?:[1-9]|[12][0-9]|3[01])"
_WEEKNO, _YEARDAY = (
    "[+-]?0*(?:[1-9]|[1-4][0-9]|5[0-3])",
    "[+-]?0*(?:[1-9]|[1-9][0-9]|[12][0-9]{2}|3[0-5][0-9]|36[0-6])",
)
_ORDINAL_WEEKDAY = f"(?:[+-]?0*[1-9][0-9]*)?{_WEEKDAY}"


def _list(item: str) -> str:
    return f"{item}(?:,{item})*"


RULE_PARTS = {
    "UNTIL": f"[0-9]{{4}}(?:0[1-9]|1[0-2]){_DAY_31}(?:T(?:[01][0-9]|2[0-3])[0-5][0-9][0-5][0-9]Z?)?",
    "COUNT": "(?:100000|[1-9][0-9]{0,4})",
    "INTERVAL": "[1-9][0-9]{0,8}",
    "BYSECOND": _list(_SECOND),
    "BYMINUTE": _list(_MINUTE),
    "BYHOUR": _list(_HOUR),
    "BYDAY": _list(_ORDINAL_WEEKDAY),
    "BYMONTHDAY": _list(_MONTHDAY),
    "BYYEARDAY": _list(_YEARDAY),
    "BYWEEKNO": _list(_WEEKNO),
    "BYMONTH": _list(_MONTH),
    "BYSETPOS": _list(_YEARDAY),
    "WKST": _WEEKDAY,
}
FREQUENCIES = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY")
MAX_RULE_LENGTH = 500
_PART = "|".join(f"{name}={value}" for name, value in RULE_PARTS.items())
_RULE = f"(?:RRULE:)?FREQ=(?:{'|'.join(FREQUENCIES)})(?:;(?:{_PART}))*"
# in any case, with white space around (both are dropped); at most MAX_RULE_LENGTH characters as
# sent (the document's maxLength: a length in the pattern costs a generator seconds a value)
RECURRENCE_RULE = f"^{WHITESPACE}*{any_case(_RULE)}{WHITESPACE}*$"

# base64url without padding, as taskapi.signing writes it
LISTING_CURSOR = "^[A-Za-z0-9_-]{1,2048}$"
SYNC_CURSOR = "^[A-Za-z0-9_-]{1,100}$"


def matches(pattern: str, value: str) -> bool:
    return re.fullmatch(pattern, value) is not None
