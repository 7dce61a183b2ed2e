"""A search box's text read as terms: words, "quoted phrases", -excluded words and `or`.

Only the shape is read here; what a word is (case, accents, punctuation, where one word ends)
is the database's to decide (migration 0005), so that a search and the tasks it looks in are
always cut into words the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

MAX_TERMS = 16  # words and phrases of one search, excluded ones included

# a quoted phrase (an unclosed quote runs to the end), or a run of anything else but spaces;
# either may be preceded by '-' to exclude it
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')


@dataclass(frozen=True)
class Term:
    text: str  # as typed: the database folds and splits it
    phrase: bool = False  # the words in this order, side by side, each whole


@dataclass(frozen=True)
class Search:
    """Every clause must match (one of its terms), and no excluded term may."""

    clauses: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...]

    @property
    def terms(self) -> tuple[Term, ...]:
        return tuple(term for clause in self.clauses for term in clause) + self.excluded


def _has_word(text: str) -> bool:
    # text of nothing but punctuation matches nothing; leaving it out keeps the query valid
    return any(ch.isalnum() for ch in text)


@lru_cache(maxsize=1024)
def parse(text: str) -> Search:
    """The terms of `text`. `or` between two terms makes them alternatives; at either end of
    the text (or next to an excluded term) it is a word like any other."""
    tokens: list[tuple[bool, Term]] = []  # (excluded, term)
    for match in _TOKEN.finditer(text):
        minus_phrase, phrase, minus_word, word = match.groups()
        if phrase is not None:
            tokens.append((minus_phrase == "-", Term(phrase, phrase=True)))
        else:
            tokens.append((minus_word == "-", Term(word)))
    clauses: list[list[Term]] = []
    excluded: list[Term] = []
    joining = False
    for i, (minus, term) in enumerate(tokens):
        if minus:
            if _has_word(term.text):
                excluded.append(term)
            continue
        is_or = not term.phrase and term.text.lower() == "or"
        between = 0 < i < len(tokens) - 1 and not tokens[i - 1][0] and not tokens[i + 1][0]
        if is_or and between and clauses:
            joining = True
            continue
        if not _has_word(term.text):
            continue
        if joining:
            clauses[-1].append(term)
        else:
            clauses.append([term])
        joining = False
    unique = tuple(dict.fromkeys(tuple(dict.fromkeys(c)) for c in clauses))
    return Search(unique, tuple(dict.fromkeys(excluded)))
