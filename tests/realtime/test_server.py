"""The gate in front of every client event: reserved and unknown names, payloads that are not
Unicode text, and each connection's budget, so one socket cannot starve its neighbours."""
import json
import threading

import pytest
import websocket

from tests.helpers import WAIT


@pytest.mark.parametrize("event", ["connect", "disconnect", "connect_error", "disconnecting",
                                   "newListener", "removeListener"])
def test_a_reserved_event_name_sent_by_a_client_is_refused_and_runs_nothing(api, connect, event):
    alice = api.user()
    socket = connect(alice)

    ack = socket.call(event, {"token": alice.token})

    assert ack["ok"] is False
    assert ack["error"]["code"] == "unknown_event"
    assert socket.call("heartbeat", {})["ok"] is True  # still connected and served


def test_a_socket_that_sent_disconnect_stays_online_and_is_still_ended_at_logout(api, connect):
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    socket = connect(alice)
    socket.call("disconnect", {})

    presence = api.as_user(bob, "get", f"/users/{alice.id}/presence").get_json()
    assert api.as_user(alice, "post", "/auth/logout", json={}).status_code == 204

    assert presence["status"] == "online"
    assert socket.wait_for("session_ended") == {"reason": "token_revoked"}
    socket.wait_disconnected()
    api.send(bob, conversation_id, "after logout")
    assert socket.received("message_received") == []


def test_an_unknown_event_gets_an_error_acknowledgement(api, connect):
    socket = connect(api.user())

    ack = socket.call("send_messages", {"conversation_id": 1, "content": "typo"})

    assert ack["ok"] is False
    assert ack["error"]["code"] == "unknown_event"
    assert "send_messages" in ack["error"]["message"]


def test_a_payload_with_a_lone_surrogate_is_refused_naming_the_field(api, connect):
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    socket = connect(alice)

    ack = socket.call("send_message", {"conversation_id": conversation_id, "content": "broken \ud800 text"})

    assert ack["ok"] is False
    assert ack["error"]["code"] == "validation_error"
    assert list(ack["error"]["details"]["fields"]) == ["content"]
    assert api.as_user(bob, "get", f"/conversations/{conversation_id}/messages").get_json()["items"] == []


def test_an_id_beyond_bigint_in_a_payload_is_a_validation_error(api, connect):
    socket = connect(api.user())

    ack = socket.call("send_message", {"conversation_id": 99999999999999999999999, "content": "hi"})

    assert ack["ok"] is False
    assert ack["error"]["code"] == "validation_error"
    assert "conversation_id" in ack["error"]["details"]["fields"]


def test_one_socket_flooding_is_rate_limited_while_its_neighbours_sends_all_succeed(api, connect, servers):
    flooder, other, neighbour, friend = api.user(), api.user(), api.user(), api.user()
    flood_conversation = api.conversation(flooder, other)
    message_id = api.send(other, flood_conversation, "read me")["id"]
    quiet_conversation = api.conversation(neighbour, friend)
    noisy, calm = connect(flooder, "rt1"), connect(neighbour, "rt1")
    acks, sends = AckCollector(500), AckCollector(20)
    events = [("typing_start", {"conversation_id": flood_conversation}),
              ("mark_read", {"message_id": message_id}), ("heartbeat", {})]

    for n in range(500):  # without waiting for a single acknowledgement
        noisy.emit(*events[n % 3], callback=acks.add)
        if n % 25 == 0:  # the neighbour's sends go out in the middle of the flood
            calm.emit("send_message", {"conversation_id": quiet_conversation, "content": f"n{n}"},
                      callback=sends.add)

    assert [ack["ok"] for ack in sends.wait()] == [True] * 20
    flood = acks.wait()
    assert {ack["error"]["code"] for ack in flood if not ack["ok"]} == {"rate_limited"}
    assert min(ack["error"]["details"]["retry_after"] for ack in flood if not ack["ok"]) >= 1
    assert sum(ack["ok"] for ack in flood) >= 20  # the budget was served, not refused wholesale


class AckCollector:
    """Acknowledgements of events emitted without waiting, until `expected` have arrived."""

    def __init__(self, expected):
        self.expected, self.acks, self.done = expected, [], threading.Event()

    def add(self, ack):
        self.acks.append(ack)
        if len(self.acks) == self.expected:
            self.done.set()

    def wait(self):
        assert self.done.wait(WAIT * 2), f"{len(self.acks)} of {self.expected} acknowledgements"
        return self.acks


def raw_exchange(server, token, frames):
    """Speak Socket.IO over a bare WebSocket (the way a hand-written client could): connect to the
    namespace with `token`, send each raw event frame, return the acknowledgement frames received."""
    ws = websocket.create_connection(server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
                                     timeout=WAIT)
    try:
        assert ws.recv().startswith("0")  # engine.io open
        ws.send("40/messaging," + json.dumps({"token": token}))
        assert ws.recv().startswith("40/messaging,")
        acks = []
        for frame in frames:
            ws.send(frame)
            while not (answer := ws.recv()).startswith("43/messaging,"):
                pass  # pings, events
            acks.append(answer)
        return acks
    finally:
        ws.close()


def test_a_payload_whose_json_cannot_be_read_gets_an_error_ack_and_the_socket_stays(api, servers):
    alice = api.user()
    deep = "[" * 5000 + "]" * 5000

    acks = raw_exchange(servers["rt1"], alice.token, [
        f'42/messaging,7["heartbeat",{deep}]',
        '42/messaging,8["heartbeat",{"status":' + "9" * 5000 + "}]",
        '42/messaging,9["heartbeat",{}]',
    ])

    assert acks[0] == '43/messaging,7[{"ok":false,"error":{"code":"bad_request",' \
                      '"message":"invalid JSON payload: nested too deeply"}}]'
    assert acks[1].startswith('43/messaging,8[{"ok":false,"error":{"code":"bad_request"')
    assert acks[2].startswith('43/messaging,9[{"ok":true')
