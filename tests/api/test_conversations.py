import threading

import pytest

from app.services.pagination import encode_cursor
from tests.helpers import ApiClient, uploaded_image


def create(client, user, participant_ids, **extra):
    return client.as_user(user, "post", "/conversations", json={"participant_ids": participant_ids, **extra})


def listing(client, user, **params):
    response = client.as_user(user, "get", "/conversations", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# --- create -----------------------------------------------------------------

def test_create_direct_conversation_returns_201_with_both_participants(client):
    alice, bob = client.user("alice"), client.user("bob")

    response = create(client, alice, [bob.id])

    assert response.status_code == 201
    body = response.get_json()
    assert body["kind"] == "direct"
    assert body["title"] is None
    assert body["created_by"] == alice.id
    assert {p["user"]["id"] for p in body["participants"]} == {alice.id, bob.id}


def test_direct_conversation_is_returned_again_with_200_from_either_side(client):
    alice, bob = client.user("alice"), client.user("bob")
    first = create(client, alice, [bob.id]).get_json()["id"]

    again = create(client, alice, [bob.id])
    other_side = create(client, bob, [alice.id])

    assert again.status_code == other_side.status_code == 200
    assert again.get_json()["id"] == other_side.get_json()["id"] == first


def test_group_with_title_is_a_new_conversation_each_time(client):
    alice, bob, carol = client.user("alice"), client.user("bob"), client.user("carol")

    first = create(client, alice, [bob.id, carol.id], title="Trip")
    second = create(client, alice, [bob.id, carol.id], title="Trip")

    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] != second.get_json()["id"]
    body = first.get_json()
    assert body["kind"] == "group"
    assert body["title"] == "Trip"
    assert len(body["participants"]) == 3


def test_two_people_with_a_title_make_a_group_not_their_direct_conversation(client):
    alice, bob = client.user("alice"), client.user("bob")
    direct = create(client, alice, [bob.id]).get_json()["id"]

    titled = create(client, alice, [bob.id], title="Project")

    assert titled.status_code == 201
    assert titled.get_json()["kind"] == "group"
    assert titled.get_json()["id"] != direct


def test_unknown_participant_ids_are_rejected_naming_participant_ids(client):
    alice, bob = client.user("alice"), client.user("bob")

    response = create(client, alice, [bob.id, 999999])

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert "999999" in error["details"]["fields"]["participant_ids"][0]


def test_conversation_with_only_yourself_is_rejected(client):
    alice = client.user("alice")

    response = create(client, alice, [alice.id])

    assert response.status_code == 422
    assert "participant_ids" in response.get_json()["error"]["details"]["fields"]


def test_group_larger_than_the_limit_is_rejected(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_GROUP_SIZE", 2)
    alice, bob, carol = client.user("alice"), client.user("bob"), client.user("carol")

    response = create(client, alice, [bob.id, carol.id], title="Too many")

    assert response.status_code == 422
    assert "participant_ids" in response.get_json()["error"]["details"]["fields"]


def test_a_title_follows_the_text_rule_wherever_participants_see_it(client):
    alice, bob = client.user("alice"), client.user("bob")

    created = create(client, alice, [bob.id], title="<svg/onload=alert(1)>Trip & co")
    shown = [created.get_json()["title"], listing(client, bob)["items"][0]["title"],
             client.as_user(bob, "get", f"/conversations/{created.get_json()['id']}").get_json()["title"]]

    assert shown == ["Trip &amp; co"] * 3


def test_a_title_is_measured_as_read(client):
    alice, bob = client.user("alice"), client.user("bob")

    within = create(client, alice, [bob.id], title="<i>" + "&" * 120 + "</i>")
    only_markup = create(client, alice, [bob.id], title="<svg/onload=alert(1)>")

    assert within.status_code == 201 and within.get_json()["title"] == "&amp;" * 120
    assert only_markup.status_code == 422 and "title" in only_markup.get_json()["error"]["details"]["fields"]


def test_the_group_size_limit_is_max_group_size_whatever_the_list_length(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_GROUP_SIZE", 3)
    alice, bob, carol = client.user("alice"), client.user("bob"), client.user("carol")

    repeated = create(client, alice, [bob.id, carol.id] * 600, title="Repeats")
    too_many = create(client, alice, list(range(1, 1002)), title="Crowd")

    assert repeated.status_code == 201
    assert too_many.status_code == 422
    assert too_many.get_json()["error"]["details"]["fields"] == {
        "participant_ids": ["a conversation has at most 3 participants"]}


@pytest.mark.parametrize("body, field", [
    ({}, "participant_ids"),
    ({"participant_ids": []}, "participant_ids"),
    ({"participant_ids": ["2"]}, "participant_ids"),
    ({"participant_ids": [0]}, "participant_ids"),
    ({"participant_ids": [2], "title": ""}, "title"),
    ({"participant_ids": [2], "title": "x" * 121}, "title"),
])
def test_create_rejects_malformed_bodies_naming_the_field(client, body, field):
    alice = client.user("alice")

    response = client.as_user(alice, "post", "/conversations", json=body)

    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]["fields"]


def test_rejected_create_writes_nothing(client):
    alice = client.user("alice")

    create(client, alice, [424242])

    assert listing(client, alice)["items"] == []


# --- list -------------------------------------------------------------------

def test_list_orders_by_most_recent_activity(client):
    alice, bob, carol, dave = (client.user(n) for n in ("alice", "bob", "carol", "dave"))
    with_bob = client.conversation(alice, bob)
    with_carol = client.conversation(alice, carol)
    with_dave = client.conversation(alice, dave)
    client.send(bob, with_bob, "bump")

    ids = [c["id"] for c in listing(client, alice)["items"]]

    assert ids == [with_bob, with_dave, with_carol]


def test_list_shows_unread_count_and_last_message_preview(client):
    alice, bob = client.user("alice"), client.user("bob")
    conversation = client.conversation(alice, bob)
    client.send(alice, conversation, "mine does not count")
    client.send(bob, conversation, "one")
    client.send(bob, conversation, "two")

    alice_view = listing(client, alice)["items"][0]
    bob_view = listing(client, bob)["items"][0]

    assert alice_view["unread_count"] == 2
    assert bob_view["unread_count"] == 1
    assert alice_view["last_message"]["content"] == "two"
    assert alice_view["last_message"]["seq"] == 3
    assert alice_view["last_seq"] == 3


def shown_last(client, user, conversation_id):
    """The conversation's last message as the list and the details show it, and as its history
    does, each image's signed URL (minted per request) set aside."""
    def without_urls(message):
        assert all(image["url"] for image in message["images"])
        return {**message, "images": [{k: v for k, v in image.items() if k != "url"} for image in message["images"]]}

    [listed] = [c for c in listing(client, user)["items"] if c["id"] == conversation_id]
    detail = client.ok(user, "get", f"/conversations/{conversation_id}")
    return ([without_urls(listed["last_message"]), without_urls(detail["last_message"])],
            without_urls(client.history(user, conversation_id)[-1]))


def test_list_and_details_show_a_reply_with_images_reactions_and_mentions_as_its_history_does(client):
    alice, bob, carol = client.user("alice"), client.user("bob"), client.user("carol")
    group = client.conversation(alice, bob, carol, title="Trip")
    parent = client.send(alice, group, "who comes, @bob?")
    image_id = uploaded_image(client, bob, group)
    reply = client.send(bob, group, "me & @alice <3", reply_to_id=parent["id"], image_ids=[image_id])
    for user, emoji in [(carol, "🎉"), (alice, "👍"), (bob, "🎉")]:
        client.react(user, reply["id"], emoji)

    shown, in_history = shown_last(client, carol, group)

    assert shown == [in_history, in_history]
    assert in_history["reply_to"]["excerpt"] == "who comes, @bob?"
    assert [image["id"] for image in in_history["images"]] == [image_id]
    assert in_history["reactions"] == [{"emoji": "🎉", "count": 2, "user_ids": [carol.id, bob.id]},
                                       {"emoji": "👍", "count": 1, "user_ids": [alice.id]}]
    assert in_history["mentions"] == [alice.id]


def test_list_and_details_show_a_system_message_after_a_deleted_reply_as_the_history_does(client):
    alice, bob, carol = client.user("alice"), client.user("bob"), client.user("carol")
    group = client.conversation(alice, bob, title="Trip")
    parent = client.send(alice, group, "soon gone")
    reply = client.send(bob, group, "re", reply_to_id=parent["id"])
    client.ok(alice, "delete", f"/messages/{parent['id']}")
    client.add(alice, group, carol)

    shown, in_history = shown_last(client, bob, group)
    replied = client.history(bob, group)[-2]

    assert shown == [in_history, in_history]
    assert in_history["kind"] == "system" and in_history["event"]["user_ids"] == [carol.id]
    assert replied["id"] == reply["id"] and replied["reply_to"]["deleted"] is True


def test_list_of_a_conversation_without_messages_has_no_preview(client):
    alice, bob = client.user("alice"), client.user("bob")
    client.conversation(alice, bob)

    item = listing(client, alice)["items"][0]

    assert item["last_message"] is None
    assert item["unread_count"] == 0


def test_list_pages_through_every_conversation_once_with_the_cursor(client):
    alice = client.user("alice")
    others = [client.user() for _ in range(7)]
    created = [client.conversation(alice, other) for other in others]
    client.send(alice, created[2], "bump")

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = listing(client, alice, **params)
        seen += [c["id"] for c in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == set(created)
    assert seen[0] == created[2]


@pytest.mark.parametrize("cursor", ["not-a-cursor", encode_cursor("x"), encode_cursor(1, 2, 3),
                                    encode_cursor("2026-01-01T00:00:00+00:00", "a"), encode_cursor({"a": 1})])
def test_list_with_a_malformed_cursor_is_rejected(client, cursor):
    alice = client.user("alice")

    response = client.as_user(alice, "get", "/conversations", query_string={"cursor": cursor})

    assert response.status_code == 422
    assert "cursor" in response.get_json()["error"]["details"]["fields"]


@pytest.mark.parametrize("params, field", [({"limit": 0}, "limit"), ({"limit": 101}, "limit"),
                                           ({"archived": "maybe"}, "archived")])
def test_list_rejects_bad_query_parameters(client, params, field):
    alice = client.user("alice")

    response = client.as_user(alice, "get", "/conversations", query_string=params)

    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]["fields"]


def test_list_only_shows_the_callers_conversations(client):
    alice, bob, carol = client.user("alice"), client.user("bob"), client.user("carol")
    client.conversation(alice, bob)

    assert listing(client, carol)["items"] == []


# --- mute -------------------------------------------------------------------

def test_mute_is_per_user_and_shown_in_the_conversation(client):
    alice, bob = client.user("alice"), client.user("bob")
    conversation = client.conversation(alice, bob)

    response = client.as_user(bob, "patch", f"/conversations/{conversation}/mute")

    assert response.status_code == 200
    assert response.get_json() == {"conversation_id": conversation, "muted": True}
    assert client.as_user(bob, "get", f"/conversations/{conversation}").get_json()["muted"] is True
    assert client.as_user(alice, "get", f"/conversations/{conversation}").get_json()["muted"] is False


def test_unmute_with_muted_false(client):
    alice, bob = client.user("alice"), client.user("bob")
    conversation = client.conversation(alice, bob)
    client.as_user(bob, "patch", f"/conversations/{conversation}/mute")

    response = client.as_user(bob, "patch", f"/conversations/{conversation}/mute", json={"muted": False})

    assert response.get_json()["muted"] is False
    assert client.as_user(bob, "get", f"/conversations/{conversation}").get_json()["muted"] is False


# --- archive ----------------------------------------------------------------

def test_archived_conversation_moves_to_the_archived_list_for_that_user_only(client):
    alice, bob = client.user("alice"), client.user("bob")
    conversation = client.conversation(alice, bob)

    response = client.as_user(alice, "patch", f"/conversations/{conversation}/archive")

    assert response.status_code == 200
    assert response.get_json()["archived"] is True
    assert response.get_json()["archived_at"]
    assert listing(client, alice)["items"] == []
    assert [c["id"] for c in listing(client, alice, archived="true")["items"]] == [conversation]
    assert [c["id"] for c in listing(client, bob)["items"]] == [conversation]


def test_unarchive_with_archived_false(client):
    alice, bob = client.user("alice"), client.user("bob")
    conversation = client.conversation(alice, bob)
    client.as_user(alice, "patch", f"/conversations/{conversation}/archive")

    response = client.as_user(alice, "patch", f"/conversations/{conversation}/archive", json={"archived": False})

    assert response.get_json()["archived"] is False
    assert [c["id"] for c in listing(client, alice)["items"]] == [conversation]
    assert listing(client, alice, archived="true")["items"] == []


def test_archive_twice_keeps_the_first_archive_time(client):
    alice, bob = client.user("alice"), client.user("bob")
    conversation = client.conversation(alice, bob)
    first = client.as_user(alice, "patch", f"/conversations/{conversation}/archive").get_json()

    second = client.as_user(alice, "patch", f"/conversations/{conversation}/archive", json={"archived": True})

    assert second.status_code == 200
    assert second.get_json()["archived_at"] == first["archived_at"]


def test_archive_rejects_a_non_boolean(client):
    alice, bob = client.user("alice"), client.user("bob")
    conversation = client.conversation(alice, bob)

    response = client.as_user(alice, "patch", f"/conversations/{conversation}/archive", json={"archived": "soon"})

    assert response.status_code == 422
    assert "archived" in response.get_json()["error"]["details"]["fields"]


def test_new_message_unarchives_the_conversation_for_recipients(client):
    alice, bob = client.user("alice"), client.user("bob")
    conversation = client.conversation(alice, bob)
    client.as_user(bob, "patch", f"/conversations/{conversation}/archive")

    client.send(alice, conversation, "are you there?")

    assert [c["id"] for c in listing(client, bob)["items"]] == [conversation]
    assert listing(client, bob, archived="true")["items"] == []


# --- detail -----------------------------------------------------------------

def test_detail_shows_participants_with_their_read_positions(client):
    alice, bob = client.user("alice"), client.user("bob")
    conversation = client.conversation(alice, bob)
    client.send(alice, conversation, "one")
    second = client.send(alice, conversation, "two")
    client.as_user(bob, "patch", f"/messages/{second['id']}/read")

    response = client.as_user(alice, "get", f"/conversations/{conversation}")

    assert response.status_code == 200
    body = response.get_json()
    positions = {p["user"]["id"]: (p["last_read_seq"], p["last_read_message_id"]) for p in body["participants"]}
    assert positions == {alice.id: (0, None), bob.id: (2, second["id"])}
    assert body["last_message"]["id"] == second["id"]
    assert body["archived"] is False
    assert body["muted"] is False


def test_detail_of_an_unknown_conversation_is_404(client):
    alice = client.user("alice")

    response = client.as_user(alice, "get", "/conversations/987654")

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_direct_conversation_opened_from_both_sides_at_once_exists_once(app, client):
    alice, bob = client.user("alice"), client.user("bob")
    results, barrier = [], threading.Barrier(4)

    def open_direct(me, other):
        http = ApiClient(app.test_client())
        barrier.wait()
        response = create(http, me, [other.id])
        results.append((response.status_code, response.get_json()["id"]))

    threads = [threading.Thread(target=open_direct, args=pair) for pair in [(alice, bob), (bob, alice)] * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(status for status, _ in results) == [200, 200, 200, 201]
    assert len({conversation_id for _, conversation_id in results}) == 1
    assert len(listing(client, alice)["items"]) == 1
