"""Editing messages (PATCH /messages/:id, GET /messages/:id/history) and deleting them as a group's admin."""
from datetime import timedelta

import pytest
from sqlalchemy import func, update

from app.extensions import db
from app.models import Message


def edit(client, user, message_id, content):
    return client.as_user(user, "patch", f"/messages/{message_id}", json={"content": content})


def history(client, user, message_id):
    return client.ok(user, "get", f"/messages/{message_id}/history")["items"]


def test_the_sender_edits_and_every_version_is_kept_oldest_first(client, pair):
    alice, bob, conversation = pair
    sent = client.send(alice, conversation, "see you at 8")

    first = edit(client, alice, sent["id"], "see you at 9")
    second = edit(client, alice, sent["id"], "see you at <b>10</b> & not later")

    assert first.status_code == second.status_code == 200
    edited = second.get_json()
    assert edited["content"] == "see you at 10 &amp; not later"
    assert edited["edited_at"] and edited["seq"] == sent["seq"] and edited["created_at"] == sent["created_at"]
    versions = history(client, bob, sent["id"])
    assert [v["content"] for v in versions] == ["see you at 8", "see you at 9", "see you at 10 &amp; not later"]
    assert versions[0]["written_at"] == sent["created_at"]
    assert versions[-1]["written_at"] == edited["edited_at"]
    assert client.history(bob, conversation)[0]["content"] == "see you at 10 &amp; not later"


def test_search_finds_the_new_text_and_no_longer_the_old(client, pair):
    alice, bob, conversation = pair
    sent = client.send(alice, conversation, "meet at the harbour")

    edit(client, alice, sent["id"], "meet at the station")

    def found(q):
        return [hit["message"]["id"] for hit in client.ok(bob, "get", "/messages/search", query_string={"q": q})["items"]]
    assert found("station") == [sent["id"]]
    assert found("harbour") == []


def test_only_the_sender_edits_live_messages_they_wrote(client, pair):
    alice, bob, conversation = pair
    sent = client.send(alice, conversation, "mine")
    gone = client.send(alice, conversation, "soon gone")
    client.ok(alice, "delete", f"/messages/{gone['id']}")
    mallory = client.user("mallory")

    by_bob = edit(client, bob, sent["id"], "bob was here")
    by_stranger = edit(client, mallory, sent["id"], "mallory was here")
    deleted = edit(client, alice, gone["id"], "back")

    assert by_bob.status_code == 403 and by_bob.get_json()["error"]["code"] == "forbidden"
    assert by_stranger.status_code == 404
    assert deleted.status_code == 409 and deleted.get_json()["error"]["code"] == "conflict"
    assert history(client, alice, gone["id"]) == []
    assert [v["content"] for v in history(client, alice, sent["id"])] == ["mine"]


def test_system_messages_cannot_be_edited(client):
    alice, bob, carol = client.user(), client.user(), client.user()
    conversation = client.conversation(alice, bob, title="x")
    client.add(alice, conversation, carol)
    system = client.history(alice, conversation)[-1]

    assert edit(client, alice, system["id"], "rewritten").status_code == 403


@pytest.mark.parametrize("content", ["", "<b></b>", "x" * 4001])
def test_an_edit_follows_the_rules_of_sending(client, pair, content):
    alice, _, conversation = pair
    sent = client.send(alice, conversation, "original")

    response = edit(client, alice, sent["id"], content)

    assert response.status_code == 422
    assert "content" in response.get_json()["error"]["details"]["fields"]
    assert client.history(alice, conversation)[0]["content"] == "original"


def test_past_the_edit_window_a_message_stays_as_it_is(client, pair, app, monkeypatch):
    monkeypatch.setitem(app.config, "MESSAGE_EDIT_WINDOW_SECONDS", 60)
    alice, _, conversation = pair
    old, fresh = client.send(alice, conversation, "old"), client.send(alice, conversation, "fresh")
    with app.app_context():
        db.session.execute(update(Message).where(Message.id == old["id"])
                           .values(created_at=func.now() - timedelta(minutes=2)))
        db.session.commit()

    late = edit(client, alice, old["id"], "too late")

    assert late.status_code == 403 and "60 seconds" in late.get_json()["error"]["message"]
    assert edit(client, alice, fresh["id"], "in time").status_code == 200


def test_a_group_admin_deletes_anyones_message_and_a_member_does_not(client):
    alice, bob, carol = client.user(), client.user(), client.user()
    conversation = client.conversation(alice, bob, carol, title="team")
    bobs, carols = client.send(bob, conversation, "by bob"), client.send(carol, conversation, "by carol")
    client.react(carol, bobs["id"])

    by_member = client.as_user(carol, "delete", f"/messages/{bobs['id']}")
    by_admin = client.as_user(alice, "delete", f"/messages/{carols['id']}")
    client.ok(alice, "delete", f"/messages/{bobs['id']}")

    assert by_member.status_code == 403
    assert by_admin.status_code == 200
    deleted = {m["id"]: m for m in client.history(bob, conversation)}
    assert [(m["deleted"], m["content"], m["reactions"]) for m in deleted.values()] == [(True, "", [])] * 2
