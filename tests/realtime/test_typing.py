"""Typing indicators across processes; TYPING_TTL_SECONDS is 1 and TYPING_MAX_GROUP_SIZE 3 in these servers."""
import pytest

from tests.servers import Server


@pytest.fixture(scope="module")
def patient(app, stack, servers):
    """A realtime process whose typing indicators last 60 s, for tests that must not see one lapse."""
    server = Server("realtime", stack["env"], TYPING_TTL_SECONDS="60")
    yield server
    server.stop()


def test_typing_start_and_stop_reach_the_other_participant_on_another_process(api, connect):
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    alice_socket, bob_socket = connect(alice, "rt1"), connect(bob, "rt2")

    started = alice_socket.call("typing_start", {"conversation_id": conversation_id})
    shown = bob_socket.wait_for("user_typing")
    stopped = alice_socket.call("typing_stop", {"conversation_id": conversation_id})
    hidden = bob_socket.wait_for("user_typing")

    assert started == {"ok": True, "data": {"relayed": True, "state": "started"}}
    assert shown == {"conversation_id": conversation_id, "user_id": alice.id, "is_typing": True}
    assert stopped["data"]["was_typing"] is True
    assert hidden == {"conversation_id": conversation_id, "user_id": alice.id, "is_typing": False}


def test_typing_without_a_stop_lapses_and_the_others_are_told(api, connect):
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    alice_socket, bob_socket = connect(alice, "rt1"), connect(bob, "rt2")

    alice_socket.call("typing_start", {"conversation_id": conversation_id})

    assert bob_socket.wait_for("user_typing")["is_typing"] is True
    assert bob_socket.wait_for("user_typing")["is_typing"] is False
    assert alice_socket.call("typing_stop", {"conversation_id": conversation_id})["data"]["was_typing"] is False


def test_repeated_starts_are_throttled_and_announced_once(api, connect, patient):
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    alice_socket, bob_socket = connect(alice, patient), connect(bob, "rt2")

    states = [alice_socket.call("typing_start", {"conversation_id": conversation_id})["data"]["state"]
              for _ in range(3)]
    alice_socket.call("typing_stop", {"conversation_id": conversation_id})
    bob_socket.wait_for("user_typing", lambda d: d["is_typing"] is False)

    assert states[0] == "started" and set(states[1:]) == {"throttled"}
    assert [d["is_typing"] for d in bob_socket.received("user_typing")] == [True, False]


def test_typing_is_not_relayed_in_groups_larger_than_the_limit(api, connect):
    alice, bob, carol, dave = (api.user() for _ in range(4))
    big = api.conversation(alice, bob, carol, dave, title="four")
    small = api.conversation(alice, bob, carol, title="three")
    alice_socket, bob_socket = connect(alice, "rt1"), connect(bob, "rt2")

    ack = alice_socket.call("typing_start", {"conversation_id": big})
    alice_socket.call("typing_start", {"conversation_id": small})  # a barrier: this one is relayed

    assert ack == {"ok": True, "data": {"relayed": False}}
    assert bob_socket.wait_for("user_typing")["conversation_id"] == small


def test_joining_a_conversation_tells_who_is_typing(api, connect, patient):
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    alice_socket, bob_socket = connect(alice, patient), connect(bob, "rt2")
    alice_socket.call("typing_start", {"conversation_id": conversation_id})
    bob_socket.wait_for("user_typing")

    joined = bob_socket.call("join_conversation", {"conversation_id": conversation_id})

    assert joined["ok"] is True
    assert joined["data"]["conversation_id"] == conversation_id
    assert joined["data"]["typing_user_ids"] == [alice.id]
