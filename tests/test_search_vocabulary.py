"""A typo is found through the words of the user's own tasks: every way a task is written teaches
them (create, a batch of creates, an edit), and each user's words stay their own."""

from __future__ import annotations

import psycopg

from tests.conftest import Api
from tests.postgres import Database
from tests.test_batch import TASKS, batch
from tests.test_search import found


def _words(database: Database, user_id: str) -> set[str]:
    with psycopg.connect(database.url) as conn:
        rows = conn.execute("SELECT word FROM search_words WHERE user_id = %s", [user_id]).fetchall()
    return {word for (word,) in rows}


def test_a_word_first_written_by_an_edit_is_found_with_a_typo(alice: Api) -> None:
    task = alice.create(title="Call the plumber")
    assert found(alice, "electrican") == []

    edited = alice.request(
        "PATCH", f"{TASKS}/{task['id']}", json={"title": "Call the electrician"}, headers={"If-Match": '"1"'}
    )
    assert edited.status_code == 200, edited.text
    assert found(alice, "electrican") == ["Call the electrician"]
    assert found(alice, "plumbr") == []  # the old word is still known, and no task has it


def test_every_task_of_a_batch_teaches_its_words(alice: Api) -> None:
    titles = ["Water the orchids", "Renew the passport", "Defrost the freezer"]
    result = batch(alice, [{"method": "POST", "path": TASKS, "body": {"title": t}} for t in titles])
    assert result.status_code == 200, result.text

    assert found(alice, "orchdis") == ["Water the orchids"]
    assert found(alice, "pasport") == ["Renew the passport"]
    assert found(alice, "freezr") == ["Defrost the freezer"]


def test_a_description_teaches_its_words_too(alice: Api) -> None:
    alice.create(title="Weekend", description="Repaint the balcony railing")
    assert found(alice, "ballcony") == ["Weekend"]


def test_each_user_learns_only_from_their_own_tasks(database: Database, alice: Api, bob: Api) -> None:
    alice.create(title="Tune the cello")
    bob.create(title="Wax the snowboard")

    assert {"tune", "cello"} <= _words(database, alice.user_id)
    assert "snowboard" not in _words(database, alice.user_id)
    assert "cello" not in _words(database, bob.user_id)
    assert found(alice, "snowbord") == [] and found(bob, "snowbord") == ["Wax the snowboard"]


def test_a_new_word_another_open_transaction_is_adding_does_not_wait_for_it(
    database: Database, alice: Api
) -> None:
    """Two writers adding the same new word at once: neither waits (the vocabulary has no unique
    key); the word is there twice until both commit, and the search reads it once."""
    hangar = alice.request("POST", "/api/v1/lists", json={"name": "Hangar"})  # not the Inbox: a
    assert hangar.status_code == 201, hangar.text  # list's open-task count is a row its writers share
    with psycopg.connect(database.url) as open_transaction:
        open_transaction.execute(
            "INSERT INTO tasks (user_id, id, title, list_id) VALUES (%s, gen_random_uuid(), %s, %s)",
            [alice.user_id, "Repair the zeppelin", hangar.json["id"]],
        )  # its word is learned, not committed

        created = alice.create(title="Inflate the zeppelin")  # would wait for the lock, then 503
        assert created["title"] == "Inflate the zeppelin"
        open_transaction.commit()

    assert sorted(found(alice, "zepelin")) == ["Inflate the zeppelin", "Repair the zeppelin"]
    with psycopg.connect(database.url) as conn:
        (twice,) = conn.execute(
            "SELECT count(*) FROM search_words WHERE user_id = %s AND word = 'zeppelin'", [alice.user_id]
        ).fetchone()  # type: ignore[misc]
    assert twice == 2
