"""The search's SQL: which tasks a search keeps, and its relevance, from the parsed terms.

Each term's text is a parameter (%(q0)s, %(q1)s, ...) handed to a function of migrations 0005 and
0009 that folds and splits it exactly as the tasks' `search_terms` were (a typo is looked up in
the user's vocabulary); the SQL around them is fixed fragments joined by the parsed shape (AND of
clauses, OR within one, NOT for excluded terms). Each whole query is a scalar subquery, so
PostgreSQL builds it once a statement (not once a row, nor while planning).
"""

from __future__ import annotations

from psycopg import sql

from taskapi.domain.search import Search, Term

DOCUMENT = sql.SQL("search_terms")  # a stored column of migration 0009

# what a word finds: a word or a prefix, or a typo of one, in the title or the description
_MATCH = sql.SQL("taskapi_search_match(%(user_id)s, {}, false)")
_WHOLE = sql.SQL("taskapi_search_term({}, false, false)")
_PHRASE = sql.SQL("taskapi_search_phrase({})")

# Relevance: the first of these kinds of match the whole search makes, each a test against the
# document (tried in order, so most tasks cost one or two tests): title whole words (5), title
# prefixes (4), whole words anywhere (3), prefixes anywhere (2), typos in the title (1), else 0;
# within one value, the listing's tiebreak (newest id first when descending).
_TIERS: tuple[sql.SQL, ...] = (
    sql.SQL("taskapi_search_term({}, false, true)"),
    sql.SQL("taskapi_search_term({}, true, true)"),
    _WHOLE,
    sql.SQL("taskapi_search_term({}, true, false)"),
    sql.SQL("taskapi_search_match(%(user_id)s, {}, true)"),
)


def _names(search: Search) -> dict[str, str]:
    """One parameter per distinct term text, named in order of appearance: text -> name."""
    names: dict[str, str] = {}
    for term in search.terms:
        names.setdefault(term.text, f"q{len(names)}")
    return names


def parameters(search: Search) -> dict[str, str]:
    return {name: text for text, name in _names(search).items()}


def _query(search: Search, word: sql.SQL, *, exclude: bool) -> sql.Composable:
    """The search as one tsquery expression, each word through `word`, phrases as phrases."""
    names = _names(search)

    def leaf(term: Term, as_word: sql.SQL) -> sql.Composable:
        return (_PHRASE if term.phrase else as_word).format(sql.Placeholder(names[term.text]))

    parts: list[sql.Composable] = [
        sql.SQL("({})").format(sql.SQL(" || ").join(leaf(t, word) for t in clause))
        for clause in search.clauses
    ]
    if exclude:
        parts += [sql.SQL("!! {}").format(leaf(t, _WHOLE)) for t in search.excluded]
    return sql.SQL(" && ").join(parts)


def _matches(query: sql.Composable) -> sql.Composable:
    """The document matches the tsquery, built once (an uncorrelated subquery: an InitPlan)."""
    return sql.SQL("{} @@ (SELECT {})").format(DOCUMENT, query)


def condition(search: Search) -> sql.Composable:
    """Tasks the search finds (a search of no words at all finds none)."""
    if not search.clauses and not search.excluded:
        return sql.SQL("false")
    return _matches(_query(search, _MATCH, exclude=True))


def relevance(search: Search) -> sql.Composable:
    """A real, higher for better matches (see _TIERS); a search of only excluded terms ranks all 0."""
    if not search.clauses:
        return sql.SQL("0::real")

    tests = [
        sql.SQL("WHEN {} THEN {}").format(_matches(_query(search, word, exclude=False)), len(_TIERS) - n)
        for n, word in enumerate(_TIERS)
    ]
    return sql.SQL("(CASE {} ELSE 0 END)::real").format(sql.SQL(" ").join(tests))


def at_least(search: Search, level: int) -> sql.Composable:
    """Tasks whose relevance (see _TIERS) is `level` or more: they match one of those tiers (an
    OR of tsqueries, so the search index answers it). Level 0 is every task the search finds."""
    if level <= 0:
        return condition(search)
    if not search.clauses:  # only excluded terms: every task it finds ranks 0
        return sql.SQL("false")
    words = _TIERS[: len(_TIERS) + 1 - level]  # the tiers of value `level` and up
    tiers = [sql.SQL("({})").format(_query(search, word, exclude=False)) for word in words]
    return _matches(sql.SQL(" || ").join(tiers))


TOP = len(_TIERS)  # the highest relevance
