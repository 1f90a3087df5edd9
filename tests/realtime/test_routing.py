"""Events go to the realtime processes that hold their recipients, and only there
(app/message_queue.py, app/realtime/registry.py). What Redis publishes on the processes' channels
is watched with PSUBSCRIBE, as any Redis client could."""
import json
import queue
import threading
import uuid
from contextlib import contextmanager, suppress

import psutil
import pytest
import websocket

from app.redis_client import get_redis, key
from app.rooms import NAMESPACE
from tests.helpers import WAIT, embedded_service, wait_until


class ProcessChannels:
    """Every event published on a realtime process's channel: (process id, recipient ids, event, data)."""

    def __init__(self, app):
        with app.app_context():
            self.redis = get_redis()
        self.prefix = app.config["REDIS_KEY_PREFIX"] + "socketio:"  # then the process id
        self.published = []
        self._markers = queue.Queue()
        self._pubsub = self.redis.pubsub()
        self._pubsub.psubscribe(self.prefix + "*")
        assert self._pubsub.get_message(timeout=WAIT)["type"] == "psubscribe"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()

    def _listen(self):
        while not self._stop.is_set():
            message = self._pubsub.get_message(timeout=0.1)
            if message is None or message["type"] != "pmessage":
                continue
            process_id = message["channel"][len(self.prefix):]
            if process_id == "~marker":
                self._markers.put(message["data"])
                continue
            recipients, _, body = message["data"].partition("\n")
            envelope = json.loads(body)
            self.published.append((process_id, sorted(int(uid) for uid in recipients.split(",")),
                                   envelope["event"], envelope["data"]))

    def settled(self):
        """Everything published so far, once it has all arrived here (a marker published now comes after it)."""
        marker = uuid.uuid4().hex
        self.redis.publish(self.prefix + "~marker", marker)
        while self._markers.get(timeout=WAIT) != marker:
            pass
        return list(self.published)

    def close(self):
        self._stop.set()
        self._thread.join()
        self._pubsub.close()


@pytest.fixture
def channels(app):
    watcher = ProcessChannels(app)
    yield watcher
    watcher.close()


def process_of(app, user, socket):
    """The id of the realtime process holding `socket`, from the user's presence record."""
    with app.app_context():
        return get_redis().hget(key("presence", "user", user.id), socket.sio.get_sid(NAMESPACE)).split("|")[0]


def routes_of(published, event, message_id):
    """{process id: recipient ids} of the publications of `event` for one message."""
    return {process: recipients for process, recipients, name, data in published
            if name == event and data["message"]["id"] == message_id}


def test_a_message_is_published_once_to_each_process_holding_a_recipient_and_to_no_other(app, api, connect, servers,
                                                                                         channels):
    alice, bob, carol = api.user(), api.user(), api.user()
    conversation_id = api.conversation(alice, bob, carol)
    last = f"rt{len(servers) - 1}"  # rt2, or rt4 with four processes: rt3 holds no one
    alice_socket, bob_socket, carol_socket = connect(alice, "rt1"), connect(bob, last), connect(carol, "rt2")
    bob_process, carol_process = process_of(app, bob, bob_socket), process_of(app, carol, carol_socket)

    first = alice_socket.call("send_message", {"conversation_id": conversation_id, "content": "one"})["data"]
    for socket in (bob_socket, carol_socket):
        socket.wait_for("message_received", lambda d: d["message"]["id"] == first["message"]["id"])
    published_first = channels.settled()
    bob_socket.close()
    alice_socket.wait_for("user_offline", lambda d: d["user_id"] == bob.id)
    second = alice_socket.call("send_message", {"conversation_id": conversation_id, "content": "two"})["data"]
    carol_socket.wait_for("message_received", lambda d: d["message"]["id"] == second["message"]["id"])
    published = channels.settled()

    expected = {bob_process: [bob.id]}
    expected[carol_process] = sorted([*expected.get(carol_process, []), carol.id])
    assert routes_of(published_first, "message_received", first["message"]["id"]) == expected
    assert routes_of(published, "message_received", second["message"]["id"]) == {carol_process: [carol.id]}
    # The sender's own process tells the sender's devices there itself.
    assert [p for p in published if p[2] == "message_sent"] == []
    assert alice_socket.wait_for("message_sent", lambda d: d["message"]["id"] == second["message"]["id"])


def test_a_removed_participant_hears_of_the_removal_on_their_process_and_of_nothing_after(app, api, connect, servers,
                                                                                        channels):
    alice, bob, carol = api.user(), api.user(), api.user()
    group = api.conversation(alice, bob, carol, title="team")
    last = f"rt{len(servers) - 1}"  # rt2, or rt4 with four processes: carol alone there
    alice_socket, bob_socket, carol_socket = connect(alice, "rt1"), connect(bob, "rt1"), connect(carol, last)
    carol_process = process_of(app, carol, carol_socket)

    api.ok(alice, "delete", f"/conversations/{group}/participants/{carol.id}")
    carol_socket.wait_for("participant_removed")
    after = alice_socket.call("send_message", {"conversation_id": group, "content": "carol has gone"})["data"]
    bob_socket.wait_for("message_received", lambda d: d["message"]["id"] == after["message"]["id"])
    published = channels.settled()

    to_carol = [(name, data.get("event_seq")) for process, recipients, name, data in published
                if process == carol_process and data.get("conversation_id", data.get("message", {}).get(
                    "conversation_id")) == group]
    # Carol's process hears of the removal, then nothing more of the group.
    assert to_carol == [("participant_removed", 1)]


def worker_of(server):
    """The Gunicorn worker (the process serving Socket.IO) of a realtime server."""
    return psutil.Process(server.process.pid).children()[0]


@contextmanager
def paused(server):
    """The server's worker stopped (SIGSTOP): what reaches it waits in its sockets until it goes on."""
    worker = worker_of(server)
    worker.suspend()
    try:
        wait_until(lambda: worker.status() == psutil.STATUS_STOPPED, "the worker to stop")
        yield
    finally:
        with suppress(psutil.NoSuchProcess):  # killed meanwhile
            worker.resume()


def next_frame(ws, prefix):
    """The next Engine.IO frame starting with `prefix` (pings are answered, other frames skipped)."""
    while not (frame := ws.recv()).startswith(prefix):
        if frame == "2":
            ws.send("3")
    return frame


def test_a_user_connecting_while_a_message_is_routed_gets_it_from_the_catch_up_and_later_ones_live(api, servers):
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    ws = websocket.create_connection(servers["rt2"].url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
                                     timeout=WAIT)
    try:
        next_frame(ws, "0")  # Engine.IO is open; the namespace is not joined yet
        with paused(servers["rt2"]):
            ws.send("40/messaging," + json.dumps({"token": bob.token}))
            routed_while_connecting = api.send(alice, conversation_id, "while bob connects")
        next_frame(ws, "40/messaging,")
        # From the moment the connect is acknowledged, the process may do nothing more (no late
        # registration): the client catches up, and what is sent from then on must arrive live.
        with paused(servers["rt2"]):
            caught_up = api.history(bob, conversation_id, after=0)
            sent_after = api.send(alice, conversation_id, "after bob connected")
        live = json.loads(next_frame(ws, '42/messaging,["message_received"').split(",", 1)[1])
    finally:
        ws.close()

    assert [m["id"] for m in caught_up] == [routed_while_connecting["id"]]
    assert live[1]["message"]["id"] == sent_after["id"]


def test_a_process_killed_with_messages_routed_to_it_loses_nothing_stored_and_leaves_no_route(
        app, api, connect, servers, extra_realtime, channels):
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    doomed = extra_realtime()
    alice_socket, bob_socket = connect(alice, "rt1"), connect(bob, doomed)
    doomed_process = process_of(app, bob, bob_socket)

    with paused(doomed):  # the messages reach its channel, never its sockets
        sent = [alice_socket.call("send_message", {"conversation_id": conversation_id, "content": f"m{n}"})["data"]
                for n in range(3)]
        doomed.kill()
    alice_socket.wait_for("user_offline", lambda d: d["user_id"] == bob.id)  # a live process removed its entries
    sent.append(alice_socket.call("send_message", {"conversation_id": conversation_id, "content": "m3"})["data"])
    published = channels.settled()
    connect(bob, "rt2")
    caught_up = api.history(bob, conversation_id, after=0)

    assert [routes_of(published, "message_received", s["message"]["id"]) for s in sent] == \
        [{doomed_process: [bob.id]}] * 3 + [{}]
    assert [m["id"] for m in caught_up] == [s["message"]["id"] for s in sent]


@pytest.mark.parametrize("loss", ["flushed", "restarted_empty"])
def test_after_redis_lost_the_registry_users_are_told_to_resync_and_hear_messages_live_again(app, api, connect,
                                                                                           stack, loss):
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    socket = connect(bob, "rt2")
    api.send(alice, conversation_id, "before")
    socket.wait_for("message_received")

    if loss == "flushed":
        with app.app_context():
            get_redis().flushdb()
    else:
        redis_server = embedded_service(stack, "redis")
        redis_server.stop()
        (redis_server.datadir / "appendonly.aof").unlink()
        redis_server.start()
    resync = socket.wait_for("resync")
    after = api.send(alice, conversation_id, "after")

    assert resync == {"conversations": [{"conversation_id": conversation_id, "last_seq": 1, "last_event_seq": 1}]}
    assert socket.wait_for("message_received", lambda d: d["message"]["id"] == after["id"])
