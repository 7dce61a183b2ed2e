"""GET /api/v1/tasks?q=: search as people type (prefixes, stop words, accents, typos), its ranking,
and any text a search box can send: an answer or a clear 400, never a 500."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import pytest

from tests.conftest import Api


def found(api: Api, q: str, **params: Any) -> list[str]:
    result = api.request("GET", "/api/v1/tasks", query_string=urlencode({"q": q, **params}))
    assert result.status_code == 200, result.text
    assert result.json["total"] == len(result.json["items"])
    return [task["title"] for task in result.json["items"]]


def test_a_word_finds_tasks_by_its_start_while_it_is_typed(alice: Api) -> None:
    alice.create(title="Buy milk")
    alice.create(title="Email the landlord")

    for typed in ("m", "mi", "mil", "milk", "MIL"):
        assert found(alice, typed) == ["Buy milk"], typed
    assert found(alice, "ilk") == []  # the start of a word, not any part of it
    assert found(alice, "milkshake") == []


def test_every_word_must_match(alice: Api) -> None:
    alice.create(title="Buy milk")
    alice.create(title="Buy bread")
    alice.create(title="Spilt milk", description="buy a mop")

    assert found(alice, "buy mil") == ["Buy milk", "Spilt milk"]  # both in the title first
    assert found(alice, "bu bre") == ["Buy bread"]
    assert found(alice, "buy cheese") == []


@pytest.mark.parametrize(
    ("title", "typed"),
    [("To do", "to do"), ("once only", "once only"), ("The end", "the"), ("Or else", "or"), ("a b c", "a b")],
)
def test_stop_words_count_like_any_other_word(alice: Api, title: str, typed: str) -> None:
    alice.create(title=title)
    alice.create(title="something else entirely")

    assert found(alice, typed) == [title]


@pytest.mark.parametrize(
    ("title", "typed"),
    [
        ("Café", "cafe"),
        ("cafe au lait", "CAFÉ"),
        ("Crème brûlée", "creme brul"),
        ("Straße fegen", "strasse"),
        ("ДОМ убрать", "дом"),
        ("Ærøskøbing trip", "aero"),
    ],
)
def test_case_and_accents_are_ignored_both_ways(alice: Api, title: str, typed: str) -> None:
    alice.create(title=title)
    alice.create(title="unrelated")

    assert found(alice, typed) == [title]


@pytest.mark.parametrize("typo", ["mlik", "imlk", "milkk", "millk", "mulk", "milj"])
def test_a_word_with_one_typo_still_finds_its_task(alice: Api, typo: str) -> None:
    alice.create(title="Buy milk")
    alice.create(title="Walk the dog")

    assert found(alice, typo) == ["Buy milk"]


def test_a_word_two_letters_off_or_a_short_typo_finds_nothing(alice: Api) -> None:
    alice.create(title="Buy milk")

    assert found(alice, "mxlx") == []
    assert found(alice, "mlk") == []  # three letters: a prefix only, too short to guess a typo


def test_a_typo_ranks_below_an_exact_match(alice: Api) -> None:
    alice.create(title="Buy milk")
    alice.create(title="Sell mlik")  # the exact word, typo or not

    assert found(alice, "mlik") == ["Sell mlik", "Buy milk"]


def test_relevance_title_before_description_whole_word_before_prefix_before_typo(alice: Api) -> None:
    # created best-last, so that the default tiebreak (newest first) cannot produce the order
    alice.create(title="e", description="note on mlik")
    alice.create(title="Mlik", description="a typo in the title")
    alice.create(title="d", description="a milkshake")
    alice.create(title="c", description="buy milk")
    alice.create(title="Milkshake")
    alice.create(title="Milk")

    assert found(alice, "milk") == ["Milk", "Milkshake", "c", "d", "Mlik", "e"]
    assert found(alice, "milk", sort_by="relevance", sort_order="asc") == [
        "e",
        "Mlik",
        "d",
        "c",
        "Milkshake",
        "Milk",
    ]


def test_quotes_keep_a_phrase_together_and_minus_leaves_a_word_out(alice: Api) -> None:
    alice.create(title="pay the quarterly report fee")
    alice.create(title="report, quarterly")
    alice.create(title="draft the quarterly report")

    assert sorted(found(alice, '"quarterly report"')) == [
        "draft the quarterly report",
        "pay the quarterly report fee",
    ]
    assert found(alice, '"quarterly report" -draft') == ["pay the quarterly report fee"]
    assert found(alice, 'report -"the quarterly"') == ["report, quarterly"]
    assert found(alice, '"QUARTERLY rép') == []  # an unclosed quote runs to the end: a whole-word phrase


def test_or_between_words_finds_either(alice: Api) -> None:
    alice.create(title="annual budget")
    alice.create(title="quarterly draft")
    alice.create(title="nothing")

    assert sorted(found(alice, "budg or draf")) == ["annual budget", "quarterly draft"]


def problem(api: Api, raw_query: str) -> dict[str, Any]:
    result = api.request("GET", "/api/v1/tasks", query_string=raw_query)
    assert result.status_code == 400, result.text
    assert result.headers["content-type"] == "application/problem+json"
    return result.json


HOSTILE = [
    "'",
    '"',
    '""',
    '"unclosed',
    "\\",
    "\\'",
    "a\\b 'c'",
    "&|!():*<>",
    "milk & !(mil | k):* <-> <2> x",
    "foo:*A",
    "'milk':*",
    "(((",
    "-",
    "--",
    "- -milk",
    "or",
    "or or or",
    "the",
    "!!!",
    "...,,,;;;",
    "--drop table tasks;",
    "😀 ünïcödé 日本語",
    "\u0301\u0301",  # combining marks alone: nothing left once accents are off
    "x" * 500,
    ("milk " * 100)[:500],
    "~~milk ~milk",
]


@pytest.mark.parametrize("q", HOSTILE)
def test_any_search_text_is_answered_or_refused_never_an_error(alice: Api, q: str) -> None:
    alice.create(title="Buy milk", description="or else 'quoted' \\ back")

    result = alice.request("GET", "/api/v1/tasks", query_string=urlencode({"q": q}))

    assert result.status_code in (200, 400), result.text
    if result.status_code == 200:
        assert result.json["total"] == len(result.json["items"])
    else:
        assert result.headers["content-type"] == "application/problem+json"
        assert "q" in result.json["errors"]


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("q=%ED%A0%80", "surrogate"),  # a lone high surrogate, as UTF-8 would spell it
        ("q=milk%ED%B0%80", "surrogate"),  # a lone low one
        ("q=%FF%FE", "surrogate"),  # not UTF-8 at all
        ("q=milk%00", "NUL"),
        ("q=" + quote("x" * 501), "500"),
        ("q=" + quote(" ".join(f"w{n}" for n in range(17))), "at most 16"),
    ],
)
def test_text_that_cannot_be_searched_is_a_400_naming_q(alice: Api, raw: str, says: str) -> None:
    body = problem(alice, raw)

    assert says in " ".join(body["errors"]["q"])


def test_sixteen_words_are_still_a_search(alice: Api) -> None:
    alice.create(title=" ".join(f"w{n}" for n in range(16)))

    assert len(found(alice, " ".join(f"w{n}" for n in range(16)))) == 1


def test_a_task_with_huge_or_odd_text_is_stored_and_found(alice: Api) -> None:
    long_word = "ж" * 1100  # 2,200 bytes, longer than a text-search word may be: left out, not an error
    alice.create(title="odd one", description=f"{long_word} \\ 'x' {'zebra ' * 100}")

    assert found(alice, "zebr") == ["odd one"]
    assert found(alice, "odd zebra") == ["odd one"]
