"""The catch-up log: GET /conversations/:id/events replays every change, numbered by a gap-free
event_seq, even when many participants change the conversation at once."""
import threading
from urllib.parse import quote

import pytest

from tests.helpers import ApiClient, uploaded_image


def test_every_change_is_replayed_in_order_and_messages_as_they_are_now(client):
    alice, bob, carol = client.user("alice"), client.user("bob"), client.user("carol")
    conversation = client.conversation(alice, bob, title="team")
    first = client.send(alice, conversation, "hello")
    client.react(bob, first["id"], "👋")
    client.ok(bob, "delete", f"/messages/{first['id']}/reactions/{quote('👋')}")
    client.ok(alice, "patch", f"/messages/{first['id']}", json={"content": "hello, edited"})
    client.add(alice, conversation, carol)
    client.ok(alice, "patch", f"/conversations/{conversation}", json={"title": "crew"})
    gone = client.send(bob, conversation, "oops")
    client.ok(bob, "delete", f"/messages/{gone['id']}")

    log = client.events(carol, conversation)

    assert [(e["event_seq"], e["type"]) for e in log] == list(enumerate([
        "message_received", "reaction_added", "reaction_removed", "message_edited", "participant_added",
        "message_received", "conversation_updated", "message_received", "message_received", "message_deleted"], 1))
    assert all(e["payload"]["event_seq"] == e["event_seq"] for e in log)
    assert log[0]["payload"]["message"]["content"] == "hello, edited"  # as it is now
    assert log[1]["payload"] == {"conversation_id": conversation, "event_seq": 2, "message_id": first["id"],
                                 "emoji": "👋", "user_id": bob.id}
    assert log[4]["payload"]["actor_id"] == alice.id
    assert [p["user"]["id"] for p in log[4]["payload"]["participants"]] == [carol.id]
    assert log[5]["payload"]["message"]["event"]["type"] == "participants_added"
    assert log[6]["payload"] == {"conversation_id": conversation, "event_seq": 7, "actor_id": alice.id, "title": "crew"}
    assert log[8]["payload"]["message"]["deleted"] is True and log[8]["payload"]["message"]["content"] == ""
    assert client.ok(carol, "get", f"/conversations/{conversation}")["last_event_seq"] == 10
    assert [e["event_seq"] for e in client.events(carol, conversation, after=8, limit=1)] == [9, 10]


def test_a_replayed_image_has_a_fresh_url(client, pair):
    alice, bob, conversation = pair
    image_id = uploaded_image(client, alice, conversation)
    client.send(alice, conversation, "look", image_ids=[image_id])

    [event] = client.events(bob, conversation)

    [image] = event["payload"]["message"]["images"]
    assert client.get(image["url"].split("localhost", 1)[1]).status_code == 200


def test_a_removed_participant_replays_nothing_more(client):
    alice, bob = client.user(), client.user()
    conversation = client.conversation(alice, bob, title="team")
    client.ok(alice, "delete", f"/conversations/{conversation}/participants/{bob.id}")

    assert client.as_user(bob, "get", f"/conversations/{conversation}/events").status_code == 404


@pytest.mark.parametrize("params, field", [({"after": -1}, "after"), ({"limit": 0}, "limit"),
                                           ({"limit": 501}, "limit"), ({"after": "x"}, "after")])
def test_bad_replay_positions_are_422(client, pair, params, field):
    alice, _, conversation = pair

    response = client.as_user(alice, "get", f"/conversations/{conversation}/events", query_string=params)

    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]["fields"]


def run_at_once(app, work):
    """Run each (user, action) in its own thread with its own client, all starting together;
    returns the status codes the actions answered."""
    statuses, barrier = [], threading.Barrier(len(work))

    def run(user, action):
        http = ApiClient(app.test_client())
        barrier.wait()
        statuses.extend(action(http, user))

    threads = [threading.Thread(target=run, args=item) for item in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_event_seqs_stay_gap_free_under_concurrent_senders_and_reactors(client, app):
    users = [client.user() for _ in range(6)]
    conversation = client.conversation(users[0], *users[1:], title="busy")
    targets = [client.send(users[0], conversation, f"target {n}")["id"] for n in range(3)]

    def send(http, user):
        return [http.as_user(user, "post", f"/conversations/{conversation}/messages",
                             json={"content": f"{user.username} {n}"}).status_code for n in range(5)]

    def react(http, user):
        return [http.as_user(user, "put", f"/messages/{target}/reactions/{quote(face)}").status_code
                for target in targets for face in ("👍", "🎉")]

    statuses = run_at_once(app, [(user, send) for user in users[:3]] + [(user, react) for user in users[3:]])

    assert set(statuses) == {200, 201}
    log = client.events(users[0], conversation)
    assert [e["event_seq"] for e in log] == list(range(1, 3 + 15 + 18 + 1))
    created = [e["payload"]["message"]["id"] for e in log if e["type"] == "message_received"]
    reactions = [(e["payload"]["message_id"], e["payload"]["emoji"], e["payload"]["user_id"])
                 for e in log if e["type"] == "reaction_added"]
    assert len(created) == len(set(created)) == 18
    assert sorted(reactions) == sorted((t, f, u.id) for u in users[3:] for t in targets for f in ("👍", "🎉"))
    assert [m["seq"] for m in client.history(users[0], conversation)] == list(range(1, 19))


def test_edits_racing_reactions_keep_every_version_and_every_reaction(client, app):
    alice, *others = [client.user() for _ in range(4)]
    conversation = client.conversation(alice, *others, title="busy")
    message = client.send(alice, conversation, "version 0")

    def edit(http, user):
        return [http.as_user(user, "patch", f"/messages/{message['id']}",
                             json={"content": f"version {n}"}).status_code for n in range(1, 7)]

    def react(http, user):
        return [http.as_user(user, "put", f"/messages/{message['id']}/reactions/{quote(face)}").status_code
                for face in ("👍", "🎉", "🔥")]

    statuses = run_at_once(app, [(alice, edit)] + [(user, react) for user in others])

    assert set(statuses) == {200}
    history = client.ok(alice, "get", f"/messages/{message['id']}/history")["items"]
    assert [v["content"] for v in history] == [f"version {n}" for n in range(7)]
    [now] = client.history(alice, conversation)
    assert now["content"] == "version 6"
    assert [(r["emoji"], sorted(r["user_ids"])) for r in sorted(now["reactions"], key=lambda r: r["emoji"])] == \
        sorted((face, sorted(u.id for u in others)) for face in ("👍", "🎉", "🔥"))
    log = client.events(alice, conversation)
    assert [e["event_seq"] for e in log] == list(range(1, 1 + 6 + 9 + 1))
    assert sorted(e["type"] for e in log) == sorted(["message_received"] + ["message_edited"] * 6
                                                    + ["reaction_added"] * 9)
