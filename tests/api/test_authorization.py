"""Only participants may see or touch a conversation and its messages. Everyone else gets the
same 404 as for an id that does not exist, so existence is never leaked."""
import pytest

from app.extensions import db
from app.models import Message

MISSING = 987654


@pytest.fixture
def setting(client):
    alice, bob, mallory = client.user("alice"), client.user("bob"), client.user("mallory")
    conversation = client.conversation(alice, bob)
    message = client.send(alice, conversation, "for bob only")
    return alice, mallory, conversation, message["id"]


def conversation_requests(conversation_id, message_id):
    return [
        ("get", f"/conversations/{conversation_id}", {}),
        ("patch", f"/conversations/{conversation_id}/archive", {"json": {"archived": True}}),
        ("patch", f"/conversations/{conversation_id}/mute", {"json": {"muted": True}}),
        ("get", f"/conversations/{conversation_id}/messages", {}),
        ("post", f"/conversations/{conversation_id}/messages", {"json": {"content": "let me in"}}),
        ("get", f"/conversations/{conversation_id}/messages/search", {"query_string": {"q": "bob"}}),
        ("patch", f"/messages/{message_id}/read", {}),
        ("patch", f"/messages/{message_id}", {"json": {"content": "mine now"}}),
        ("get", f"/messages/{message_id}/history", {}),
        ("put", f"/messages/{message_id}/reactions/%F0%9F%91%8D", {}),
        ("delete", f"/messages/{message_id}/reactions/%F0%9F%91%8D", {}),
        ("get", f"/messages/{message_id}/receipts", {}),
        ("get", f"/conversations/{conversation_id}/events", {}),
        ("patch", f"/conversations/{conversation_id}", {"json": {"title": "mine now"}}),
        ("post", f"/conversations/{conversation_id}/participants", {"json": {"user_ids": [1]}}),
        ("delete", f"/conversations/{conversation_id}/participants/1", {}),
        ("patch", f"/conversations/{conversation_id}/participants/1", {"json": {"role": "admin"}}),
    ]


def test_non_participant_gets_404_on_every_conversation_and_message_endpoint(client, setting):
    _, mallory, conversation, message = setting

    for method, path, kwargs in conversation_requests(conversation, message):
        response = client.as_user(mallory, method, path, **kwargs)
        assert response.status_code == 404, (method, path)
        assert response.get_json()["error"]["code"] == "not_found", (method, path)


def test_non_participant_sees_the_same_404_as_for_ids_that_do_not_exist(client, setting):
    _, mallory, conversation, message = setting
    real = conversation_requests(conversation, message)
    missing = conversation_requests(MISSING, MISSING)

    for (method, path, kwargs), (_, missing_path, _) in zip(real, missing):
        existing = client.as_user(mallory, method, path, **kwargs)
        absent = client.as_user(mallory, method, missing_path, **kwargs)
        assert (existing.status_code, existing.get_json()) == (absent.status_code, absent.get_json()), path


def test_non_participant_cannot_write_anything(client, setting, app):
    alice, mallory, conversation, message = setting

    for method, path, kwargs in conversation_requests(conversation, message):
        client.as_user(mallory, method, path, **kwargs)

    with app.app_context():
        assert [m.content for m in db.session.scalars(db.select(Message))] == ["for bob only"]
    detail = client.as_user(alice, "get", f"/conversations/{conversation}").get_json()
    assert {p["user"]["username"] for p in detail["participants"]} == {"alice", "bob"}
    assert all(p["last_read_seq"] == 0 for p in detail["participants"])


def test_non_participant_does_not_find_messages_by_search_or_listing(client, setting):
    _, mallory, _, _ = setting

    assert client.as_user(mallory, "get", "/messages/search", query_string={"q": "bob"}).get_json()["items"] == []
    assert client.as_user(mallory, "get", "/conversations").get_json()["items"] == []
