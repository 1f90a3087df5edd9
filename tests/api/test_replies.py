"""Replies: `reply_to_id` on send, and `reply_to` in every message as the parent is now."""
import pytest


def test_a_reply_shows_its_parent_as_it_is_now(client, pair):
    alice, bob, conversation = pair
    parent = client.send(alice, conversation, "dinner at <b>8</b>? " + "long " * 30)

    reply = client.send(bob, conversation, "yes", reply_to_id=parent["id"])
    client.ok(alice, "patch", f"/messages/{parent['id']}", json={"content": "dinner at 9 & wine?"})

    assert reply["reply_to"]["id"] == parent["id"] and reply["reply_to"]["seq"] == 1
    assert reply["reply_to"]["sender"]["username"] == "alice"
    assert reply["reply_to"]["excerpt"].startswith("dinner at 8? long") and reply["reply_to"]["excerpt"].endswith("…")
    assert len(reply["reply_to"]["excerpt"]) == 100
    assert reply["reply_to"]["deleted"] is False
    listed = client.history(bob, conversation)
    assert listed[0]["reply_to"] is None
    assert listed[1]["reply_to"]["excerpt"] == "dinner at 9 &amp; wine?"

    client.ok(alice, "delete", f"/messages/{parent['id']}")

    reply_to = client.history(bob, conversation)[1]["reply_to"]
    assert (reply_to["deleted"], reply_to["excerpt"]) == (True, None)


def test_a_reply_to_a_message_of_another_conversation_is_422(client, pair):
    alice, bob, conversation = pair
    elsewhere = client.send(alice, client.conversation(alice, client.user()), "elsewhere")

    responses = [client.as_user(bob, "post", f"/conversations/{conversation}/messages",
                                json={"content": "re", "reply_to_id": reply_to_id})
                 for reply_to_id in (elsewhere["id"], 987654)]

    for response in responses:
        assert response.status_code == 422
        assert "reply_to_id" in response.get_json()["error"]["details"]["fields"]
    assert client.history(bob, conversation) == []
    assert client.send(bob, conversation, "next")["seq"] == 1


@pytest.mark.parametrize("reply_to_id", [0, "1", 2**63])
def test_reply_to_id_must_be_an_id(client, pair, reply_to_id):
    alice, _, conversation = pair

    response = client.as_user(alice, "post", f"/conversations/{conversation}/messages",
                              json={"content": "re", "reply_to_id": reply_to_id})

    assert response.status_code == 422
    assert "reply_to_id" in response.get_json()["error"]["details"]["fields"]


def test_a_page_of_replies_comes_with_its_parents_in_one_query(client, pair, app):
    from sqlalchemy import event

    from app.extensions import db

    alice, bob, conversation = pair
    parents = [client.send(alice, conversation, f"parent {n}") for n in range(5)]
    for parent in parents:
        client.send(bob, conversation, "re", reply_to_id=parent["id"])
    statements = []

    def count(*args):
        statements.append(args[2])

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            page = client.history(alice, conversation)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)

    assert [m["reply_to"]["excerpt"] for m in page[5:]] == [f"parent {n}" for n in range(5)]
    assert sum("FROM messages" in sql for sql in statements) == 1  # the page, its parents joined
