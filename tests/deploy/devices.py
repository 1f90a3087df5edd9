"""A user's device under load, behaving as a careful client does: it sends numbered messages over
Socket.IO, each with a client_message_id and retried until acknowledged (after an error answer, a
timeout, or while disconnected), reconnects by itself, and catches up with `after=` from the last
seq it holds without a gap whenever it may have missed something: after it reconnected, and when
the server says `resync`. The tests read what it measured."""
import threading
import time
from collections import Counter

import socketio

from app.rooms import NAMESPACE
from tests.helpers import wait_until

ACK_TIMEOUT = 3  # seconds before an unanswered send is retried
RETRYABLE = {"service_unavailable"}


class Device:
    def __init__(self, api, user, conversation_id, socket):
        """`socket`: a connected SocketClient of `user` that reconnects by itself."""
        self.api, self.user, self.conversation_id, self.socket = api, user, conversation_id, socket
        self.seqs = {}  # seq -> message id: what this device holds of the conversation
        self._seqs_lock = threading.Lock()
        self.acked = {}  # client_message_id -> the stored message, from its acknowledgement
        self.sends = []  # (first attempt, acknowledgement) of every message, time.monotonic()
        self.retries = Counter()  # why sends were retried: timeout, disconnected, an error code
        self.live = []  # (arrival, seq) of every message_received
        self.resyncs = []  # arrival of every resync
        self.catch_ups = 0
        self._catch_up_due = threading.Event()
        self._stop = threading.Event()
        self._thread = None
        self._failure = None
        socket.sio.on("message_received", self._received, namespace=NAMESPACE)
        socket.sio.on("message_sent", self._hold, namespace=NAMESPACE)
        socket.sio.on("resync", self._resync, namespace=NAMESPACE)
        socket.sio.on("connect", self._connected, namespace=NAMESPACE)

    def _hold(self, data):
        message = data["message"]
        if message["conversation_id"] == self.conversation_id:
            with self._seqs_lock:
                self.seqs[message["seq"]] = message["id"]

    def _received(self, data):
        self.live.append((time.monotonic(), data["message"]["seq"]))
        self._hold(data)

    def _resync(self, data):
        self.resyncs.append(time.monotonic())
        self._catch_up_due.set()

    def _connected(self):
        self.socket.connected_at.append(time.monotonic())
        if len(self.socket.connected_at) > 1:  # a reconnection
            self._catch_up_due.set()

    def start(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Finish the message being sent and stop sending (it stays connected and keeps receiving).
        Raises what went wrong in the sending thread."""
        self._stop.set()
        self._thread.join(60)
        if self._failure:
            raise self._failure

    def settle(self):
        """Once connected, catch up if that is due (a reconnection or a resync came last)."""
        wait_until(lambda: self.socket.sio.connected, f"{self.user.username}'s device to be connected")
        if self._catch_up_due.is_set():
            self._catch_up_due.clear()
            self._catch_up()

    def highest_seq(self):
        with self._seqs_lock:
            return max(self.seqs, default=0)

    def acks_since(self, moment):
        """How many sends were acknowledged after `moment`; raises what stopped the sending thread."""
        if self._failure:
            raise self._failure
        return sum(1 for _, acked in self.sends if acked > moment)

    def describe(self, moment):
        """What a failing test prints of this device: its connection and what its sends met."""
        engineio = self.socket.sio.eio
        reconnecting = self.socket.sio._reconnect_task is not None
        return (f"{self.user.username}: connected={self.socket.sio.connected} transport={engineio.current_transport} "
                f"engineio={engineio.state} reconnecting={reconnecting} acks since={self.acks_since(moment)} "
                f"retries={dict(self.retries)} catch-ups={self.catch_ups}")

    def first_ack_of_a_send_started_after(self, moment):
        """Seconds from `moment` until a message first sent after it was acknowledged (None: none was)."""
        acked = [ack for started, ack in self.sends if started > moment]
        return min(acked) - moment if acked else None

    def reconnect_seconds(self):
        """For every disconnection, how long until the device was connected again."""
        connects = self.socket.connected_at
        disconnects = []
        while not self.socket.disconnected.empty():
            disconnects.append(self.socket.disconnected.get()[0])
        return [min(at for at in connects if at > gone) - gone
                for gone in disconnects if any(at > gone for at in connects)]

    def _run(self):
        try:
            number = 0
            while not self._stop.is_set():
                if self._catch_up_due.is_set():
                    self._catch_up_due.clear()
                    self._catch_up()
                self._send_until_acknowledged(f"{self.user.username}-{number}")
                number += 1
                time.sleep(0.05)
        except BaseException as exc:  # handed to stop(), in the test's thread
            self._failure = exc

    def _send_until_acknowledged(self, client_message_id):
        payload = {"conversation_id": self.conversation_id, "content": client_message_id,
                   "client_message_id": client_message_id}
        started = time.monotonic()
        while True:
            try:
                ack = self.socket.call("send_message", payload, timeout=ACK_TIMEOUT)
            except socketio.exceptions.TimeoutError:
                self.retries["timeout"] += 1
            except socketio.exceptions.BadNamespaceError:
                self.retries["disconnected"] += 1
            else:
                if ack["ok"]:
                    self.acked[client_message_id] = ack["data"]["message"]
                    self.sends.append((started, time.monotonic()))
                    self._hold(ack["data"])
                    return
                assert ack["error"]["code"] in RETRYABLE, ack
                self.retries[ack["error"]["code"]] += 1
            time.sleep(0.1)

    def _catch_up(self):
        """Fetch what may have been missed: every message after the last seq held without a gap."""
        with self._seqs_lock:
            held = 0
            while held + 1 in self.seqs:
                held += 1
        self.catch_ups += 1
        for message in self.api.history(self.user, self.conversation_id, after=held):
            with self._seqs_lock:
                self.seqs[message["seq"]] = message["id"]


def pairs_across_processes(production, connect, connect_elsewhere, transports_of_pairs):
    """Devices of pairs of new users, each pair in a conversation of its own, the partners of a pair
    connected (through nginx) to different realtime processes; one pair per entry of
    `transports_of_pairs`, whose second device uses those transports. Returns (devices, {user id:
    the partner's device})."""
    api = production.api
    devices, partners = [], {}
    for transports in transports_of_pairs:
        first, second = api.user(), api.user()
        conversation_id = api.conversation(first, second)
        first_socket = connect(first, reconnection=True)
        first_process = production.process_of(first, first_socket)
        second_socket, _ = connect_elsewhere(second, first_process, reconnection=True, transports=transports)
        devices += [Device(api, first, conversation_id, first_socket),
                    Device(api, second, conversation_id, second_socket)]
        partners.update({first.id: devices[-1], second.id: devices[-2]})
    return devices, partners


def wait_for_sends(devices, since, what, count=5):
    """Wait until every device had `count` sends acknowledged after `since`; a failure names each
    device's state, or raises what stopped one. The bound is generous: on a loaded machine a
    reconnection can take several attempts (python-socketio gives a namespace 1 s to connect)."""
    wait_until(lambda: all(d.acks_since(since) >= count for d in devices),
               lambda: f"{what}: " + "; ".join(d.describe(since) for d in devices), timeout=60)


def check_nothing_lost_or_doubled(api, devices, partners):
    """Once the devices stopped sending: every acknowledged message is stored, none twice, and every
    device ends up holding the whole conversation (live, or caught up)."""
    for device in devices:
        stored = api.history(device.user, device.conversation_id)
        acknowledged = {**device.acked, **partners[device.user.id].acked}
        client_message_ids = [m["client_message_id"] for m in stored]
        assert len(client_message_ids) == len(set(client_message_ids))  # retries stored nothing twice
        assert {m["id"] for m in stored} == {m["id"] for m in acknowledged.values()}  # none acknowledged lost
        device.settle()
        wait_until(lambda: device.seqs == {m["seq"]: m["id"] for m in stored}, "the device to hold every message")
