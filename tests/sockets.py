"""python-socketio clients on /messaging, as the tests' users connect."""
import queue
import time

import socketio

from app.rooms import NAMESPACE
from tests.helpers import WAIT


class SocketClient:
    """A python-socketio client on /messaging that records every event it receives.

    By default it connects over WebSocket and does not reconnect; `transports=["polling"]` keeps it
    on HTTP long-polling, `reconnection=True` has it reconnect by itself (with its token) as real
    clients do, `headers` go with every request.
    """

    def __init__(self, url, token, *, transports=("websocket",), reconnection=False, headers=None):
        self.url, self.token = url, token
        self.transports, self.headers = list(transports), headers or {}
        self.events = queue.Queue()
        self.seen = []  # events taken off the queue, in order of arrival
        self.connect_error = None
        self.connected_at = []  # time.monotonic() of every connect, reconnections included
        self.disconnected = queue.Queue()
        self.sio = socketio.Client(reconnection=reconnection, reconnection_delay=0.5, reconnection_delay_max=2)
        self.sio.on("*", self._record, namespace=NAMESPACE)
        self.sio.on("connect", lambda: self.connected_at.append(time.monotonic()), namespace=NAMESPACE)
        self.sio.on("connect_error", self._refused, namespace=NAMESPACE)
        self.sio.on("disconnect", lambda *reason: self.disconnected.put((time.monotonic(), *reason)),
                    namespace=NAMESPACE)

    def _record(self, event, data=None):
        self.events.put((event, data))

    def _refused(self, data=None):
        self.connect_error = data

    def connect(self):
        self.sio.connect(self.url, auth={"token": self.token} if self.token is not None else None,
                         namespaces=[NAMESPACE], transports=self.transports, headers=self.headers,
                         wait_timeout=WAIT)
        return self

    def call(self, event, data=None, timeout=WAIT):
        return self.sio.call(event, data, namespace=NAMESPACE, timeout=timeout)

    def emit(self, event, data=None, callback=None):
        """Send without waiting; `callback` receives the acknowledgement."""
        self.sio.emit(event, data, namespace=NAMESPACE, callback=callback)

    def wait_for(self, event, match=None, timeout=WAIT):
        """The first unseen `event` whose payload satisfies `match`; fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                name, data = self.events.get(timeout=max(remaining, 0.01))
            except queue.Empty:
                raise AssertionError(f"no {event} within {timeout}s; got {[e for e, _ in self.seen]}")
            self.seen.append((name, data))
            if name == event and (match is None or match(data)):
                return data

    def received(self, event, match=None):
        """Events of this kind taken off the queue so far (use after a barrier event arrived)."""
        return [data for name, data in self.seen if name == event and (match is None or match(data))]

    def received_so_far(self, event, match=None):
        """Every event of this kind that arrived until now, taken off the queue or not."""
        while not self.events.empty():
            self.seen.append(self.events.get())
        return self.received(event, match)

    def wait_disconnected(self, timeout=WAIT):
        """(time.monotonic() of the disconnect, reason) of the next disconnect."""
        return self.disconnected.get(timeout=timeout)

    def close(self):
        self.sio.shutdown()  # also stops a reconnection in progress
