"""Messages, read and delivery receipts across realtime processes and the REST API process."""


def test_message_sent_over_socket_reaches_every_device_of_recipient_on_other_processes(api, connect):
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    alice_socket = connect(alice, "rt1")
    bob_phone, bob_laptop = connect(bob, "rt2"), connect(bob, "rt1")  # bob never joins the room

    ack = alice_socket.call("send_message", {"conversation_id": conversation_id, "content": "hi bob",
                                             "client_message_id": "c-1"})

    assert ack["ok"] is True
    assert ack["data"]["client_message_id"] == "c-1"
    stored = ack["data"]["message"]
    assert stored["content"] == "hi bob" and stored["seq"] == 1
    for device in (bob_phone, bob_laptop):
        received = device.wait_for("message_received")
        assert received["message"]["id"] == stored["id"]
        assert received["message"]["seq"] == 1
    sent = alice_socket.wait_for("message_sent")
    assert sent == {"event_seq": 1, "client_message_id": "c-1", "message": stored}


def test_message_posted_over_rest_reaches_connected_clients(api, connect):
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    bob_socket = connect(bob, "rt2")
    alice_socket = connect(alice, "rt1")

    posted = api.send(alice, conversation_id, "over rest")

    assert bob_socket.wait_for("message_received")["message"]["id"] == posted["id"]
    assert alice_socket.wait_for("message_sent")["message"]["seq"] == posted["seq"]


def test_socket_send_is_validated_like_rest_and_keeps_the_connection(api, connect):
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    alice_socket = connect(alice)

    too_long = alice_socket.call("send_message", {"conversation_id": conversation_id, "content": "x" * 4001})
    missing = alice_socket.call("send_message", {"content": "no conversation", "extra": 1})
    empty_after_sanitizing = alice_socket.call("send_message", {"conversation_id": conversation_id,
                                                                "content": "<b></b>"})
    not_an_object = alice_socket.call("send_message", "hello")

    assert too_long["ok"] is False and too_long["error"]["code"] == "validation_error"
    assert "content" in too_long["error"]["message"]
    assert missing["error"]["code"] == "validation_error"
    assert set(missing["error"]["details"]["fields"]) == {"conversation_id", "extra"}
    assert empty_after_sanitizing["error"]["code"] == "validation_error"
    assert not_an_object["error"]["code"] == "validation_error"
    assert alice_socket.call("send_message", {"conversation_id": conversation_id, "content": "still here"})["ok"]


def test_retry_with_same_client_message_id_returns_the_original_message(api, connect):
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    alice_socket = connect(alice)
    payload = {"conversation_id": conversation_id, "content": "once", "client_message_id": "retry-1"}

    first = alice_socket.call("send_message", payload)
    second = alice_socket.call("send_message", payload)

    assert second["data"]["message"]["id"] == first["data"]["message"]["id"]
    history = api.as_user(alice, "get", f"/conversations/{conversation_id}/messages").json()["items"]
    assert len(history) == 1


def test_socket_and_rest_share_the_sending_limit(api, connect):
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    for n in range(20):  # SEND_RATE_LIMIT in these servers
        api.send(alice, conversation_id, f"m{n}")
    alice_socket = connect(alice)

    ack = alice_socket.call("send_message", {"conversation_id": conversation_id, "content": "one more"})

    assert ack["ok"] is False
    assert ack["error"]["code"] == "rate_limited"


def test_read_receipt_reaches_the_sender_on_another_process(api, connect):
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    message = api.send(alice, conversation_id, "read me")
    alice_socket, bob_socket = connect(alice, "rt1"), connect(bob, "rt2")

    ack = bob_socket.call("mark_read", {"message_id": message["id"]})

    assert ack["ok"] is True and ack["data"]["seq"] == message["seq"]
    receipt = alice_socket.wait_for("message_read")
    assert receipt["conversation_id"] == conversation_id
    assert receipt["message_id"] == message["id"]
    assert receipt["user_id"] == bob.id
    assert receipt["seq"] == message["seq"]
    assert receipt["read_at"]


def test_acknowledging_a_received_message_marks_it_delivered_and_tells_the_sender(api, connect):
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    alice_socket, bob_socket = connect(alice, "rt1"), connect(bob, "rt2")
    alice_socket.call("send_message", {"conversation_id": conversation_id, "content": "did you get it?"})
    received = bob_socket.wait_for("message_received")["message"]

    ack = bob_socket.call("mark_delivered", {"message_id": received["id"]})

    assert ack["ok"] is True and ack["data"]["delivered_at"]
    receipt = alice_socket.wait_for("message_delivered")
    assert receipt["message_id"] == received["id"] and receipt["user_id"] == bob.id and receipt["seq"] == 1
    history = api.as_user(alice, "get", f"/conversations/{conversation_id}/messages").json()["items"]
    assert history[0]["delivered_at"] is not None


def test_client_that_was_disconnected_recovers_every_missed_message_by_seq(api, connect):
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    bob_socket = connect(bob, "rt2")
    api.send(alice, conversation_id, "before")
    last_seen_seq = bob_socket.wait_for("message_received")["message"]["seq"]
    bob_socket.close()
    missed = [api.send(alice, conversation_id, f"while away {n}") for n in range(3)]

    bob_again = connect(bob, "rt1")
    recovered = api.as_user(bob, "get", f"/conversations/{conversation_id}/messages",
                            query_string={"after": last_seen_seq}).json()
    api.send(alice, conversation_id, "after")

    assert [m["id"] for m in recovered["items"]] == [m["id"] for m in missed]
    assert recovered["has_more"] is False
    assert bob_again.wait_for("message_received")["message"]["seq"] == missed[-1]["seq"] + 1


def test_a_deleted_message_is_announced_to_every_participant(api, connect):
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    message = api.send(alice, conversation_id, "oops")
    on_bobs_phone, on_alices_laptop = connect(bob, "rt2"), connect(alice)

    assert api.as_user(alice, "delete", f"/messages/{message['id']}").status_code == 200

    for socket in (on_bobs_phone, on_alices_laptop):
        deleted = socket.wait_for("message_deleted")["message"]
        assert (deleted["id"], deleted["deleted"], deleted["content"], deleted["images"]) == (message["id"], True, "", [])


def test_a_display_name_with_markup_reaches_the_other_participants_inert(api, connect):
    eve, bob = api.user(display_name="<img src=x onerror=alert(1)>Eve & co"), api.user()
    conversation_id = api.conversation(eve, bob)
    bob_socket, eve_socket = connect(bob, "rt2"), connect(eve, "rt1")

    eve_socket.call("send_message", {"conversation_id": conversation_id, "content": "hi"})

    received, sent = bob_socket.wait_for("message_received"), eve_socket.wait_for("message_sent")
    assert received["message"]["sender"]["display_name"] == "Eve &amp; co"
    assert sent["message"]["sender"]["display_name"] == "Eve &amp; co"
