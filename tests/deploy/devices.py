"""A user's device under load, behaving as a careful client does: it sends numbered messages over
Socket.IO, each with a client_message_id and retried until acknowledged (after an error answer, a
timeout, or while disconnected), reconnects by itself, and after each reconnection catches up with
`after=` from the last seq it holds without a gap. The tests read what it measured."""
import threading
import time
from collections import Counter

import socketio

ACK_TIMEOUT = 3  # seconds before an unanswered send is retried
RETRYABLE = {"service_unavailable"}


class Device:
    def __init__(self, api, user, conversation_id, socket):
        """`socket`: a connected SocketClient of `user` that reconnects by itself."""
        self.api, self.user, self.conversation_id, self.socket = api, user, conversation_id, socket
        self.seqs = {}  # seq -> message id: what this device has seen of the conversation
        self._seqs_lock = threading.Lock()
        for event in ("message_received", "message_sent"):
            self.socket.sio.on(event, self._saw_message, namespace="/messaging")
        self.acked = {}  # client_message_id -> the stored message, from its acknowledgement
        self.acked_at = []  # time.monotonic() of every acknowledgement
        self.retries = Counter()  # why sends were retried: timeout, disconnected, an error code
        self.catch_ups = 0
        self._stop = threading.Event()
        self._thread = None
        self._failure = None

    def _saw_message(self, data):
        message = data["message"]
        if message["conversation_id"] == self.conversation_id:
            with self._seqs_lock:
                self.seqs[message["seq"]] = message["id"]

    def start(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Finish the message being sent, then stop. Raises what went wrong in the sending thread."""
        self._stop.set()
        self._thread.join(60)
        self.socket.close()
        if self._failure:
            raise self._failure

    def acks_since(self, moment):
        return sum(1 for at in self.acked_at if at > moment)

    def _run(self):
        try:
            caught_up_for = 1  # connections the device has caught up after (the first needs none)
            number = 0
            while not self._stop.is_set():
                if len(self.socket.connected_at) > caught_up_for:
                    caught_up_for = len(self.socket.connected_at)
                    self._catch_up()
                self._send_until_acknowledged(f"{self.user.username}-{number}")
                number += 1
                time.sleep(0.05)
        except BaseException as exc:  # handed to stop(), in the test's thread
            self._failure = exc

    def _send_until_acknowledged(self, client_message_id):
        payload = {"conversation_id": self.conversation_id, "content": client_message_id,
                   "client_message_id": client_message_id}
        while True:
            try:
                ack = self.socket.call("send_message", payload, timeout=ACK_TIMEOUT)
            except socketio.exceptions.TimeoutError:
                self.retries["timeout"] += 1
            except socketio.exceptions.BadNamespaceError:
                self.retries["disconnected"] += 1
            else:
                if ack["ok"]:
                    message = ack["data"]["message"]
                    self.acked[client_message_id] = message
                    self.acked_at.append(time.monotonic())
                    self._saw_message(ack["data"])
                    return
                assert ack["error"]["code"] in RETRYABLE, ack
                self.retries[ack["error"]["code"]] += 1
            time.sleep(0.1)

    def _catch_up(self):
        """Fetch what was missed while disconnected: every message after the last seq held without a gap."""
        with self._seqs_lock:
            held = 0
            while held + 1 in self.seqs:
                held += 1
        self.catch_ups += 1
        for message in self.api.history(self.user, self.conversation_id, after=held):
            with self._seqs_lock:
                self.seqs[message["seq"]] = message["id"]

    def reconnect_seconds(self):
        """For every disconnection, how long until the device was connected again."""
        disconnects = []
        while not self.socket.disconnected.empty():
            disconnects.append(self.socket.disconnected.get()[0])
        return [min(at for at in self.socket.connected_at if at > gone) - gone for gone in disconnects
                if any(at > gone for at in self.socket.connected_at)]
