"""A user who is not a participant can neither join, send, type, read nor observe."""


def test_non_participant_can_neither_join_nor_send_nor_type_nor_read(api, connect):
    alice, bob, mallory = api.user(), api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    message = api.send(alice, conversation_id, "private")
    socket = connect(mallory)

    acks = [socket.call("join_conversation", {"conversation_id": conversation_id}),
            socket.call("send_message", {"conversation_id": conversation_id, "content": "let me in"}),
            socket.call("typing_start", {"conversation_id": conversation_id}),
            socket.call("mark_read", {"message_id": message["id"]}),
            socket.call("mark_delivered", {"message_id": message["id"]})]

    assert [ack["error"]["code"] for ack in acks] == ["not_found"] * 5
    history = api.as_user(alice, "get", f"/conversations/{conversation_id}/messages").json()["items"]
    assert [m["content"] for m in history] == ["private"]


def test_non_participant_observes_nothing_of_a_conversation(api, connect):
    alice, bob, mallory = api.user(), api.user(), api.user()
    private = api.conversation(alice, bob)
    with_mallory = api.conversation(alice, mallory)
    alice_socket, bob_socket = connect(alice, "rt1"), connect(bob, "rt2")
    mallory_socket = connect(mallory, "rt2")

    alice_socket.call("typing_start", {"conversation_id": private})
    sent = alice_socket.call("send_message", {"conversation_id": private, "content": "secret"})
    bob_socket.call("mark_read", {"message_id": sent["data"]["message"]["id"]})
    alice_socket.wait_for("message_read")
    # A barrier: everything above was published before this, on the same queue.
    api.send(alice, with_mallory, "hello mallory")

    mallory_socket.wait_for("message_received", lambda d: d["message"]["conversation_id"] == with_mallory)
    leaked = [(event, data) for event, data in mallory_socket.seen
              if event in ("message_received", "message_read", "user_typing")
              and data.get("conversation_id", data.get("message", {}).get("conversation_id")) == private]
    assert leaked == []
