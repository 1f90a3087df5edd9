import threading
import time

import pytest

from app.extensions import db
from app.models import Message
from tests.helpers import ApiClient


def post(client, user, conversation_id, **body):
    return client.as_user(user, "post", f"/conversations/{conversation_id}/messages", json=body)


def history(client, user, conversation_id, **params):
    response = client.as_user(user, "get", f"/conversations/{conversation_id}/messages", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def seqs(page):
    return [m["seq"] for m in page["items"]]


def stored_messages(app):
    with app.app_context():
        return list(db.session.scalars(db.select(Message).order_by(Message.id)))


# --- send -------------------------------------------------------------------

def test_send_returns_201_with_the_stored_message(client, pair):
    alice, _, conversation = pair

    response = post(client, alice, conversation, content="hello bob")

    assert response.status_code == 201
    body = response.get_json()
    assert body["content"] == "hello bob"
    assert body["seq"] == 1
    assert body["conversation_id"] == conversation
    assert body["sender_id"] == alice.id
    assert body["sender"]["username"] == "alice"
    assert body["read_at"] is None and body["deleted"] is False


def test_send_trims_surrounding_whitespace(client, pair):
    alice, _, conversation = pair

    response = post(client, alice, conversation, content="  \n spaced out \t ")

    assert response.get_json()["content"] == "spaced out"


def test_send_accepts_exactly_the_maximum_length_after_trimming(client, pair):
    alice, _, conversation = pair

    response = post(client, alice, conversation, content="  " + "x" * 4000 + "  ")

    assert response.status_code == 201
    assert len(response.get_json()["content"]) == 4000


def test_content_length_is_counted_as_read_not_as_typed_or_stored(client, pair):
    alice, _, conversation = pair

    markup_around = post(client, alice, conversation, content="<b>" + "x" * 4000 + "</b>")
    entities = post(client, alice, conversation, content="&" * 4000)
    one_too_many = post(client, alice, conversation, content="<b>" + "&" * 4001 + "</b>")

    assert markup_around.status_code == 201 and markup_around.get_json()["content"] == "x" * 4000
    assert entities.status_code == 201 and entities.get_json()["content"] == "&amp;" * 4000
    assert one_too_many.status_code == 422
    assert one_too_many.get_json()["error"]["details"]["fields"] == {
        "content": ["must be at most 4000 characters once HTML is removed"]}


@pytest.mark.parametrize("content", ["", "   \n\t ", "x" * 4001])
def test_send_rejects_content_outside_1_to_4000_characters(client, pair, app, content):
    alice, _, conversation = pair

    response = post(client, alice, conversation, content=content)

    assert response.status_code == 422
    assert "content" in response.get_json()["error"]["details"]["fields"]
    assert stored_messages(app) == []


@pytest.mark.parametrize("body, field", [
    ({}, "content"),
    ({"content": 12}, "content"),
    ({"content": "hi", "client_message_id": "has spaces"}, "client_message_id"),
    ({"content": "hi", "client_message_id": "x" * 65}, "client_message_id"),
])
def test_send_rejects_malformed_bodies_naming_the_field(client, pair, body, field):
    alice, _, conversation = pair

    response = client.as_user(alice, "post", f"/conversations/{conversation}/messages", json=body)

    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]["fields"]


def test_content_that_is_only_html_is_rejected(client, pair, app):
    alice, _, conversation = pair

    response = post(client, alice, conversation, content="<b></b><!-- nothing -->")

    assert response.status_code == 422
    assert "content" in response.get_json()["error"]["details"]["fields"]
    assert stored_messages(app) == []


def test_script_tag_is_stored_and_returned_as_inert_text(client, pair, app):
    alice, bob, conversation = pair

    sent = post(client, alice, conversation, content="<script>alert(1)</script>")

    assert sent.status_code == 201
    assert sent.get_json()["content"] == "alert(1)"
    assert [m.content for m in stored_messages(app)] == ["alert(1)"]
    responses = [
        sent,
        client.as_user(bob, "get", f"/conversations/{conversation}/messages"),
        client.as_user(bob, "get", "/conversations"),
        client.as_user(bob, "get", f"/conversations/{conversation}"),
        client.as_user(bob, "get", "/messages/search", query_string={"q": "alert"}),
    ]
    for response in responses:
        assert response.status_code == 200 or response.status_code == 201
        assert "<" not in response.get_data(as_text=True).replace("<mark>", "").replace("</mark>", "")
        assert "\\u003c" not in response.get_data(as_text=True)


def test_angle_brackets_and_ampersands_are_returned_as_entities(client, pair):
    alice, _, conversation = pair

    response = post(client, alice, conversation, content='if a < b && c > d: <img src=x onerror="boom()">')

    assert response.get_json()["content"] == "if a &lt; b &amp;&amp; c &gt; d:"


# --- idempotent retries -----------------------------------------------------

def test_retry_with_same_client_message_id_returns_original(client, pair, app):
    alice, _, conversation = pair
    first = post(client, alice, conversation, content="once", client_message_id="c-1")

    retry = post(client, alice, conversation, content="once", client_message_id="c-1")

    assert first.status_code == 201
    assert retry.status_code == 200
    assert retry.get_json() == first.get_json()
    assert len(stored_messages(app)) == 1


def test_retry_returns_the_original_even_if_the_content_differs(client, pair):
    alice, _, conversation = pair
    first = post(client, alice, conversation, content="original", client_message_id="c-2").get_json()

    retry = post(client, alice, conversation, content="edited", client_message_id="c-2")

    assert retry.get_json()["content"] == "original"
    assert retry.get_json()["id"] == first["id"]


def test_retry_does_not_count_against_the_sending_limit(client, pair, app, monkeypatch):
    monkeypatch.setitem(app.config, "SEND_RATE_LIMIT", 1)
    alice, _, conversation = pair
    post(client, alice, conversation, content="only one", client_message_id="c-3")

    retry = post(client, alice, conversation, content="only one", client_message_id="c-3")

    assert retry.status_code == 200


def test_same_client_message_id_from_another_sender_is_a_new_message(client, pair):
    alice, bob, conversation = pair
    mine = post(client, alice, conversation, content="a", client_message_id="same").get_json()

    theirs = post(client, bob, conversation, content="b", client_message_id="same")

    assert theirs.status_code == 201
    assert theirs.get_json()["id"] != mine["id"]


def test_client_message_id_reused_in_another_conversation_is_a_conflict(client, pair):
    alice, _, conversation = pair
    other = client.conversation(alice, client.user("carol"))
    post(client, alice, conversation, content="a", client_message_id="c-4")

    response = post(client, alice, other, content="a", client_message_id="c-4")

    assert response.status_code == 409
    assert "client_message_id" in response.get_json()["error"]["details"]["fields"]


def test_concurrent_retries_store_one_message(app, client, pair):
    alice, _, conversation = pair
    statuses, barrier = [], threading.Barrier(4)

    def retry():
        http = ApiClient(app.test_client())
        barrier.wait()
        statuses.append(post(http, alice, conversation, content="dup?", client_message_id="race").status_code)

    threads = [threading.Thread(target=retry) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 200, 200, 201]
    assert [m.seq for m in stored_messages(app)] == [1]
    next_one = post(client, alice, conversation, content="next")
    assert next_one.get_json()["seq"] == 2
    assert next_one.headers["X-RateLimit-Remaining"] == str(app.config["SEND_RATE_LIMIT"] - 2)


# --- seq ----------------------------------------------------------------------

def test_concurrent_senders_get_gap_free_seqs(app, client):
    senders = [client.user() for _ in range(4)]
    conversation = client.conversation(senders[0], *senders[1:], title="busy")
    per_sender, errors, barrier = 10, [], threading.Barrier(len(senders))

    def send_all(user):
        http = ApiClient(app.test_client())
        barrier.wait()
        for n in range(per_sender):
            response = post(http, user, conversation, content=f"{user.username} {n}")
            if response.status_code != 201:
                errors.append(response.get_json())

    threads = [threading.Thread(target=send_all, args=(user,)) for user in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    total = per_sender * len(senders)
    stored = sorted(m.seq for m in stored_messages(app))
    assert stored == list(range(1, total + 1))
    listed = client.as_user(senders[0], "get", f"/conversations/{conversation}").get_json()
    assert listed["last_seq"] == total


def test_seq_counts_per_conversation(client, pair):
    alice, _, conversation = pair
    other = client.conversation(alice, client.user("carol"))
    client.send(alice, conversation)
    client.send(alice, conversation)

    assert client.send(alice, other)["seq"] == 1


# --- history pagination -------------------------------------------------------

@pytest.fixture
def twenty_five(client, pair):
    alice, bob, conversation = pair
    for n in range(1, 26):
        client.send(alice if n % 2 else bob, conversation, f"message {n}")
    return alice, bob, conversation


def test_history_without_cursor_returns_the_newest_page_oldest_first(client, twenty_five):
    alice, _, conversation = twenty_five

    page = history(client, alice, conversation, limit=10)

    assert seqs(page) == list(range(16, 26))
    assert page["has_more"] is True


def test_paging_back_with_before_sees_every_message_once(client, twenty_five):
    alice, _, conversation = twenty_five
    seen, page = [], history(client, alice, conversation, limit=10)
    seen = seqs(page) + seen
    while page["has_more"]:
        page = history(client, alice, conversation, limit=10, before=page["items"][0]["seq"])
        seen = seqs(page) + seen

    assert seen == list(range(1, 26))


def test_paging_forward_with_after_sees_every_message_once(client, twenty_five):
    alice, _, conversation = twenty_five
    seen, after, has_more = [], 0, True
    while has_more:
        page = history(client, alice, conversation, limit=10, after=after)
        seen += seqs(page)
        has_more = page["has_more"]
        after = page["items"][-1]["seq"]

    assert seen == list(range(1, 26))


def test_reconnecting_client_fetches_exactly_what_it_missed(client, twenty_five):
    alice, bob, conversation = twenty_five
    last_seen = history(client, alice, conversation)["items"][-1]["seq"]
    client.send(bob, conversation, "while you were away 1")
    client.send(bob, conversation, "while you were away 2")

    page = history(client, alice, conversation, after=last_seen)

    assert seqs(page) == [26, 27]
    assert page["has_more"] is False


def test_history_between_after_and_before(client, twenty_five):
    alice, _, conversation = twenty_five

    window = history(client, alice, conversation, after=5, before=10)
    clipped = history(client, alice, conversation, after=5, before=20, limit=3)

    assert seqs(window) == [6, 7, 8, 9]
    assert window["has_more"] is False
    assert seqs(clipped) == [6, 7, 8]
    assert clipped["has_more"] is True


def test_history_of_an_empty_conversation(client, pair):
    alice, _, conversation = pair

    assert history(client, alice, conversation) == {"items": [], "has_more": False}


@pytest.mark.parametrize("params, field", [({"before": 0}, "before"), ({"after": -1}, "after"),
                                           ({"limit": 0}, "limit"), ({"limit": 201}, "limit"),
                                           ({"before": "abc"}, "before")])
def test_history_rejects_bad_query_parameters(client, pair, params, field):
    alice, _, conversation = pair

    response = client.as_user(alice, "get", f"/conversations/{conversation}/messages", query_string=params)

    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]["fields"]


# --- mark read ----------------------------------------------------------------

def read(client, user, message_id):
    return client.as_user(user, "patch", f"/messages/{message_id}/read")


def unread(client, user, conversation_id):
    return client.as_user(user, "get", f"/conversations/{conversation_id}").get_json()["unread_count"]


def test_mark_read_moves_the_position_and_sets_read_at(client, pair):
    alice, bob, conversation = pair
    messages = [client.send(alice, conversation, f"m{n}") for n in range(3)]

    response = read(client, bob, messages[1]["id"])

    assert response.status_code == 200
    body = response.get_json()
    assert body == {**body, "conversation_id": conversation, "user_id": bob.id,
                    "message_id": messages[1]["id"], "seq": 2}
    assert body["read_at"]
    read_at = [m["read_at"] for m in history(client, alice, conversation)["items"]]
    assert read_at[0] and read_at[1] and read_at[2] is None
    assert unread(client, bob, conversation) == 1


def test_mark_read_is_idempotent(client, pair):
    alice, bob, conversation = pair
    message = client.send(alice, conversation)
    first = read(client, bob, message["id"]).get_json()

    again = read(client, bob, message["id"])

    assert again.status_code == 200
    assert again.get_json() == first


def test_mark_read_never_moves_the_position_backwards(client, pair):
    alice, bob, conversation = pair
    older, newer = client.send(alice, conversation, "older"), client.send(alice, conversation, "newer")
    read(client, bob, newer["id"])

    response = read(client, bob, older["id"])

    assert response.get_json()["seq"] == 2
    assert response.get_json()["message_id"] == newer["id"]
    assert unread(client, bob, conversation) == 0


def test_unread_count_drops_to_zero_after_reading_the_newest(client, pair):
    alice, bob, conversation = pair
    for n in range(4):
        last = client.send(alice, conversation, f"m{n}")
    assert unread(client, bob, conversation) == 4

    read(client, bob, last["id"])

    assert unread(client, bob, conversation) == 0


def test_reading_does_not_mark_your_own_messages_read(client, pair):
    alice, _, conversation = pair
    mine = client.send(alice, conversation, "mine")

    response = read(client, alice, mine["id"])

    assert response.get_json()["seq"] == 1
    assert history(client, alice, conversation)["items"][0]["read_at"] is None


def test_mark_read_of_an_unknown_message_is_404(client, pair):
    _, bob, _ = pair

    response = read(client, bob, 555555)

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


# --- sending limit ------------------------------------------------------------

def test_send_reports_the_remaining_quota(client, pair, app, monkeypatch):
    monkeypatch.setitem(app.config, "SEND_RATE_LIMIT", 5)
    alice, _, conversation = pair

    first = post(client, alice, conversation, content="one")
    second = post(client, alice, conversation, content="two")

    assert first.headers["X-RateLimit-Limit"] == "5"
    assert first.headers["X-RateLimit-Remaining"] == "4"
    assert second.headers["X-RateLimit-Remaining"] == "3"
    assert int(first.headers["X-RateLimit-Reset"]) > 0


def test_sending_past_the_limit_gets_429_with_retry_after(client, pair, app, monkeypatch):
    monkeypatch.setitem(app.config, "SEND_RATE_LIMIT", 3)
    alice, bob, conversation = pair
    for n in range(3):
        assert post(client, alice, conversation, content=f"m{n}").status_code == 201

    refused = post(client, alice, conversation, content="one too many")
    other_user = post(client, bob, conversation, content="bob still may")

    assert refused.status_code == 429
    error = refused.get_json()["error"]
    assert error["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    assert error["details"]["retry_after"] == int(refused.headers["Retry-After"])
    assert refused.headers["X-RateLimit-Limit"] == "3"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert "X-RateLimit-Reset" in refused.headers
    assert other_user.status_code == 201
    assert len(stored_messages(app)) == 4


def test_refused_attempts_do_not_count(client, pair, app, monkeypatch):
    monkeypatch.setitem(app.config, "SEND_RATE_LIMIT", 1)
    monkeypatch.setitem(app.config, "SEND_RATE_WINDOW_SECONDS", 1)
    alice, _, conversation = pair
    post(client, alice, conversation, content="one")
    refusals = [post(client, alice, conversation, content="refused") for _ in range(3)]
    time.sleep(int(refusals[-1].headers["Retry-After"]))  # the first send has left the window

    assert post(client, alice, conversation, content="fits now").status_code == 201


def test_two_app_instances_share_one_sending_counter(client, pair, make_app):
    alice, _, conversation = pair
    worker_a = ApiClient(make_app({"SEND_RATE_LIMIT": 3}).test_client())
    worker_b = ApiClient(make_app({"SEND_RATE_LIMIT": 3}).test_client())
    assert post(worker_a, alice, conversation, content="a1").status_code == 201
    assert post(worker_b, alice, conversation, content="b1").status_code == 201
    assert post(worker_a, alice, conversation, content="a2").status_code == 201

    refused = post(worker_b, alice, conversation, content="b2")

    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"


def test_concurrent_sends_never_exceed_the_limit(app, client, pair, monkeypatch):
    monkeypatch.setitem(app.config, "SEND_RATE_LIMIT", 5)
    alice, _, conversation = pair
    statuses, barrier = [], threading.Barrier(10)

    def send_one(n):
        http = ApiClient(app.test_client())
        barrier.wait()
        statuses.append(post(http, alice, conversation, content=f"burst {n}").status_code)

    threads = [threading.Thread(target=send_one, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [201] * 5 + [429] * 5
    assert sorted(m.seq for m in stored_messages(app)) == [1, 2, 3, 4, 5]
