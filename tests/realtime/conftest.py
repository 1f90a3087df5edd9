"""Real processes for the realtime tests: two realtime Gunicorn processes and one API process,
against the session's PostgreSQL and Redis, and python-socketio clients connecting to them."""
import queue
import time

import pytest
import socketio

from app.rooms import NAMESPACE
from tests.helpers import WAIT, ApiClient, HttpSession
from tests.servers import Server

@pytest.fixture(scope="session")
def servers(app, stack):
    """{"api": Server, "rt1": Server, "rt2": Server}, shared by the realtime tests."""
    started = {}
    try:
        for name, role in (("api", "api"), ("rt1", "realtime"), ("rt2", "realtime")):
            started[name] = Server(role, stack["env"])
        yield started
    finally:
        for server in started.values():
            server.stop()


@pytest.fixture
def extra_realtime(app, stack):
    """Start further realtime processes (with settings of their own); stopped after the test."""
    started = []

    def start(**settings):
        server = Server("realtime", stack["env"], **settings)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def api(servers):
    """The REST API of the api process, over real HTTP."""
    return ApiClient(HttpSession(servers["api"].url))


class SocketClient:
    """A python-socketio client on /messaging that records every event it receives."""

    def __init__(self, url, token):
        self.url, self.token = url, token
        self.events = queue.Queue()
        self.seen = []  # events taken off the queue, in order of arrival
        self.connect_error = None
        self.disconnected = queue.Queue()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("*", self._record, namespace=NAMESPACE)
        self.sio.on("connect_error", self._refused, namespace=NAMESPACE)
        self.sio.on("disconnect", lambda *reason: self.disconnected.put(reason), namespace=NAMESPACE)

    def _record(self, event, data=None):
        self.events.put((event, data))

    def _refused(self, data=None):
        self.connect_error = data

    def connect(self):
        self.sio.connect(self.url, auth={"token": self.token} if self.token is not None else None,
                         namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=WAIT)
        return self

    def call(self, event, data=None):
        return self.sio.call(event, data, namespace=NAMESPACE, timeout=WAIT)

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

    def wait_disconnected(self, timeout=WAIT):
        return self.disconnected.get(timeout=timeout)

    def close(self):
        if self.sio.connected:
            self.sio.disconnect()


@pytest.fixture
def connect(servers):
    """connect(user, server="rt1") -> a connected SocketClient; every client is closed after the test."""
    clients = []

    def open_client(user_or_token, server="rt1", *, expect_refusal=False):
        token = getattr(user_or_token, "token", user_or_token)
        url = servers[server].url if isinstance(server, str) else server.url
        client = SocketClient(url, token)
        clients.append(client)
        if expect_refusal:
            with pytest.raises(socketio.exceptions.ConnectionError):
                client.connect()
            return client
        return client.connect()

    yield open_client
    for client in clients:
        client.close()
