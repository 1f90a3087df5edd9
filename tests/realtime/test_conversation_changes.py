"""Changes to conversations over Socket.IO: replies through the socket door, live events numbered
as the catch-up log replays them, and membership changes heard on every realtime process."""


def about(conversation_id):
    """Whether an event's payload is about the conversation."""
    def match(data):
        return conversation_id in (data.get("conversation_id"), data.get("message", {}).get("conversation_id"))
    return match


def test_a_reply_sent_over_the_socket_is_checked_as_over_rest(api, connect):
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    question = api.send(bob, conversation_id, "question?")
    elsewhere = api.send(bob, api.conversation(bob, api.user()), "elsewhere")
    socket = connect(alice)

    answer = socket.call("send_message", {"conversation_id": conversation_id, "content": "answer",
                                          "reply_to_id": question["id"]})
    refused = socket.call("send_message", {"conversation_id": conversation_id, "content": "answer",
                                           "reply_to_id": elsewhere["id"]})

    assert answer["ok"] is True
    assert answer["data"]["message"]["reply_to"]["id"] == question["id"]
    assert answer["data"]["message"]["reply_to"]["excerpt"] == "question?"
    assert refused["ok"] is False and "reply_to_id" in refused["error"]["details"]["fields"]


def test_live_events_carry_the_event_seq_under_which_the_log_replays_them(api, connect):
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    bob_socket = connect(bob, "rt2")

    message = api.send(alice, conversation_id, "hi")
    api.react(alice, message["id"], "🎉")
    api.ok(alice, "patch", f"/messages/{message['id']}", json={"content": "hi all"})

    live = [bob_socket.wait_for(event) for event in ("message_received", "reaction_added", "message_edited")]
    replayed = api.events(bob, conversation_id)
    assert [event["event_seq"] for event in live] == [1, 2, 3]
    assert [(event["event_seq"], event["type"]) for event in replayed] == [
        (1, "message_received"), (2, "reaction_added"), (3, "message_edited")]
    assert replayed[0]["payload"]["message"]["id"] == live[0]["message"]["id"]
    assert [event["payload"] for event in replayed[1:]] == live[1:]


def test_membership_changes_reach_every_process_and_the_removed_user_hears_nothing_more(api, connect):
    alice, bob, carol, dave = api.user(), api.user(), api.user(), api.user()
    group = api.conversation(alice, bob, carol, title="team")
    direct = api.conversation(alice, carol)
    alice_socket, carol_socket = connect(alice, "rt1"), connect(carol, "rt1")
    bob_socket, dave_socket = connect(bob, "rt2"), connect(dave, "rt2")
    # alice's connection looks the participants up once, for typing, and keeps them.
    alice_socket.call("typing_start", {"conversation_id": group})
    carol_socket.wait_for("user_typing")
    alice_socket.call("typing_stop", {"conversation_id": group})

    api.ok(alice, "delete", f"/conversations/{group}/participants/{carol.id}")
    api.add(alice, group, dave)

    removed = carol_socket.wait_for("participant_removed")
    assert removed == {"conversation_id": group, "event_seq": 1, "actor_id": alice.id, "user_id": carol.id}
    added = dave_socket.wait_for("participant_added")
    assert [p["user"]["id"] for p in added["participants"]] == [dave.id] and added["event_seq"] == 3
    alice_socket.wait_for("participant_added")
    bob_socket.wait_for("message_received", lambda data: data["event_seq"] == 4)  # what says dave was added
    assert [(event, data["event_seq"]) for event, data in bob_socket.seen if "event_seq" in data] == [
        ("participant_removed", 1), ("message_received", 2), ("participant_added", 3), ("message_received", 4)]

    alice_socket.call("typing_start", {"conversation_id": group})
    assert dave_socket.wait_for("user_typing", about(group))["user_id"] == alice.id
    refused = carol_socket.call("typing_start", {"conversation_id": group})
    alice_socket.call("send_message", {"conversation_id": group, "content": "carol has gone"})
    alice_socket.call("send_message", {"conversation_id": direct, "content": "still there?"})

    assert refused["ok"] is False and refused["error"]["code"] == "not_found"
    carol_socket.wait_for("message_received", about(direct))
    heard_after = carol_socket.seen[carol_socket.seen.index(("participant_removed", removed)) + 1:]
    assert [event for event, data in heard_after if about(group)(data)] == []
