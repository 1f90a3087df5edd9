"""Reactions: PUT / DELETE /messages/:id/reactions/:emoji, and `reactions` in every message."""
import threading
from urllib.parse import quote

import pytest

from tests.helpers import ApiClient


def reaction(client, user, method, message_id, emoji):
    return client.as_user(user, method, f"/messages/{message_id}/reactions/{quote(emoji)}")


def test_reactions_are_counted_per_emoji_and_idempotent(client, pair):
    alice, bob, conversation = pair
    message = client.send(alice, conversation, "party?")

    client.react(bob, message["id"], "🎉")
    client.react(alice, message["id"], "👍🏽")
    twice = client.react(alice, message["id"], "🎉")
    again = client.react(alice, message["id"], "🎉")

    assert twice["reactions"] == again["reactions"] == [
        {"emoji": "🎉", "count": 2, "user_ids": [bob.id, alice.id]},
        {"emoji": "👍🏽", "count": 1, "user_ids": [alice.id]}]
    taken_back = reaction(client, bob, "delete", message["id"], "🎉")
    assert taken_back.status_code == 200
    assert reaction(client, bob, "delete", message["id"], "🎉").get_json() == taken_back.get_json()
    # Each emoji where its oldest reaction still there stands.
    assert client.history(bob, conversation)[0]["reactions"] == [
        {"emoji": "👍🏽", "count": 1, "user_ids": [alice.id]}, {"emoji": "🎉", "count": 1, "user_ids": [alice.id]}]


def test_an_emoji_without_its_variation_selector_is_the_same_reaction(client, pair):
    alice, bob, conversation = pair
    message = client.send(alice, conversation, "love it")

    client.react(alice, message["id"], "❤️")
    client.react(bob, message["id"], "\u2764")  # ❤ as older keyboards send it

    assert client.history(alice, conversation)[0]["reactions"] == [
        {"emoji": "❤️", "count": 2, "user_ids": [alice.id, bob.id]}]


@pytest.mark.parametrize("emoji", ["a", "👍👍", "🏻", "<b>", "👍\ufe0f\ufe0f", "x" * 40])
def test_anything_but_one_emoji_is_422(client, pair, emoji):
    alice, _, conversation = pair
    message = client.send(alice, conversation, "hi")

    response = reaction(client, alice, "put", message["id"], emoji)

    assert response.status_code == 422
    assert "emoji" in response.get_json()["error"]["details"]["fields"]


def test_only_participants_react_and_not_to_deleted_messages(client, pair):
    alice, bob, conversation = pair
    message, gone = client.send(alice, conversation, "hi"), client.send(alice, conversation, "gone")
    client.ok(alice, "delete", f"/messages/{gone['id']}")

    stranger = reaction(client, client.user("mallory"), "put", message["id"], "👍")
    deleted = reaction(client, bob, "put", gone["id"], "👍")

    assert stranger.status_code == 404
    assert deleted.status_code == 409


def test_a_message_holds_at_most_20_different_emoji_even_when_they_race(client, pair, app):
    import emoji as emoji_data

    alice, bob, conversation = pair
    message = client.send(alice, conversation, "react!")
    faces = [e for e, data in emoji_data.EMOJI_DATA.items() if data["status"] == emoji_data.STATUS["fully_qualified"]
             and len(e) == 1][:24]
    for face in faces[:18]:
        client.react(alice, message["id"], face)
    statuses, barrier = [], threading.Barrier(6)

    def react(face):
        http = ApiClient(app.test_client())
        barrier.wait()
        statuses.append(reaction(http, bob, "put", message["id"], face).status_code)

    threads = [threading.Thread(target=react, args=(face,)) for face in faces[18:]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 200, 422, 422, 422, 422]
    assert len(client.history(alice, conversation)[0]["reactions"]) == 20
    assert client.react(bob, message["id"], faces[0])["reactions"][0]["count"] == 2  # an emoji already there
