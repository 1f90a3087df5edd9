"""Presence across processes: PRESENCE_TTL_SECONDS is 1.5 in these servers, so a dead process's
users go offline within seconds."""
import pytest


def _status(api, viewer, user):
    response = api.as_user(viewer, "get", f"/users/{user.id}/presence")
    assert response.status_code == 200, response.text
    return response.json()


def test_contact_on_another_process_sees_user_come_online_and_go_offline(api, connect):
    alice, bob = api.user(), api.user()
    api.conversation(alice, bob)
    bob_socket = connect(bob, "rt2")

    alice_socket = connect(alice, "rt1")
    online = bob_socket.wait_for("user_online", lambda d: d["user_id"] == alice.id)
    assert _status(api, bob, alice)["status"] == "online"
    alice_socket.close()
    offline = bob_socket.wait_for("user_offline", lambda d: d["user_id"] == alice.id)

    assert online == {"user_id": alice.id, "status": "online"}
    assert offline["last_seen_at"]
    assert _status(api, bob, alice) == {"user_id": alice.id, "status": "offline",
                                        "last_seen_at": offline["last_seen_at"]}


@pytest.mark.parametrize("laptop_process", ["rt2", "rt1"], ids=["devices_on_two_processes", "devices_on_one_process"])
def test_user_stays_online_while_any_device_is_connected(api, connect, laptop_process):
    alice, bob = api.user(), api.user()
    api.conversation(alice, bob)
    bob_socket = connect(bob, "rt2")
    phone, laptop = connect(alice, "rt1"), connect(alice, laptop_process)
    bob_socket.wait_for("user_online", lambda d: d["user_id"] == alice.id)

    phone.close()
    laptop.call("heartbeat", {"status": "away"})  # a barrier: a change bob must hear about
    bob_socket.wait_for("user_online", lambda d: d["user_id"] == alice.id and d["status"] == "away")

    assert bob_socket.received("user_offline") == []
    laptop.close()
    assert bob_socket.wait_for("user_offline")["user_id"] == alice.id


def test_heartbeats_announce_only_real_changes(api, connect):
    alice, bob = api.user(), api.user()
    api.conversation(alice, bob)
    bob_socket = connect(bob, "rt2")
    alice_socket = connect(alice, "rt1")
    bob_socket.wait_for("user_online", lambda d: d["user_id"] == alice.id)

    acks = [alice_socket.call("heartbeat", {"status": status}) for status in ("online", "online", "away", "away")]
    alice_socket.call("heartbeat", {"status": "online"})
    bob_socket.wait_for("user_online", lambda d: d["status"] == "online")

    assert [ack["data"]["status"] for ack in acks] == ["online", "online", "away", "away"]
    assert [d["status"] for d in bob_socket.received("user_online")] == ["online", "away", "online"]


def test_killing_a_realtime_process_leaves_no_user_online(api, connect, extra_realtime):
    alice, bob = api.user(), api.user()
    api.conversation(alice, bob)
    doomed = extra_realtime()
    bob_socket = connect(bob, "rt2")
    connect(alice, doomed)
    bob_socket.wait_for("user_online", lambda d: d["user_id"] == alice.id)

    doomed.kill()

    assert bob_socket.wait_for("user_offline")["user_id"] == alice.id
    assert _status(api, bob, alice)["status"] == "offline"


def test_connection_without_heartbeats_goes_away_after_the_idle_time(api, connect, extra_realtime):
    alice, bob = api.user(), api.user()
    api.conversation(alice, bob)
    drowsy = extra_realtime(PRESENCE_IDLE_SECONDS="1")
    bob_socket = connect(bob, "rt2")

    connect(alice, drowsy)

    assert bob_socket.wait_for("user_online", lambda d: d["user_id"] == alice.id)["status"] == "online"
    assert bob_socket.wait_for("user_online", lambda d: d["user_id"] == alice.id)["status"] == "away"


def test_presence_is_visible_only_to_people_who_share_a_conversation(api, connect):
    alice, bob, stranger = api.user(), api.user(), api.user()
    api.conversation(alice, bob)
    connect(alice)

    assert _status(api, bob, alice)["status"] == "online"
    assert _status(api, alice, alice)["status"] == "online"
    assert api.as_user(stranger, "get", f"/users/{alice.id}/presence").status_code == 404
    assert api.as_user(stranger, "get", "/users/999999/presence").status_code == 404


def test_conversation_details_show_each_participants_presence(api, connect):
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    connect(alice)

    detail = api.as_user(bob, "get", f"/conversations/{conversation_id}").json()

    presence = {p["user"]["id"]: p["presence"]["status"] for p in detail["participants"]}
    assert presence == {alice.id: "online", bob.id: "offline"}
