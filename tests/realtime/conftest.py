"""Real processes for the realtime tests: two realtime Gunicorn processes and one API process,
against the session's PostgreSQL and Redis, and python-socketio clients connecting to them."""
import os
import queue
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import socketio

from tests.helpers import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
NAMESPACE = "/messaging"
WAIT = 10  # seconds any expected event may take before a test fails

# Short TTLs so lapses happen within a test; small limits so they can be reached.
TEST_SETTINGS = {
    "TYPING_TTL_SECONDS": "1",
    "TYPING_MAX_GROUP_SIZE": "3",
    "PRESENCE_TTL_SECONDS": "1.5",
    "PRESENCE_IDLE_SECONDS": "600",
    "SEND_RATE_LIMIT": "20",
    "LOG_LEVEL": "WARNING",
}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One Gunicorn process (ROLE api or realtime) on a free loopback port."""

    def __init__(self, role, env, **settings):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, **env, **TEST_SETTINGS, **settings, "ROLE": role,
               "BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": "1"}
        self.process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                                        cwd=ROOT, env=env, start_new_session=True)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            try:
                if requests.get(self.url + "/health", timeout=5).status_code < 500:
                    return
            except requests.RequestException:
                pass  # still booting
            time.sleep(0.1)
        raise RuntimeError(f"server on {self.url} did not become ready")

    def kill(self):
        """SIGKILL the whole process group: no cleanup code runs, as when a machine dies."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


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


class Http:
    """The REST API over real HTTP, as a client would use it."""

    def __init__(self, base_url):
        self.base_url = base_url
        self._n = 0

    def request(self, method, path, user=None, **kwargs):
        headers = {"Authorization": f"Bearer {user.token}"} if user else {}
        return requests.request(method, self.base_url + path, headers=headers, timeout=10, **kwargs)

    def user(self, prefix="rt"):
        self._n += 1
        username = f"{prefix}{os.getpid()}x{self._n}x{time.monotonic_ns() % 10**8}"
        created = self.request("POST", "/auth/register", json={"username": username, "password": PASSWORD})
        assert created.status_code == 201, created.text
        tokens = self.request("POST", "/auth/login", json={"username": username, "password": PASSWORD}).json()
        return HttpUser(created.json()["id"], username, tokens["access_token"], tokens["refresh_token"])

    def conversation(self, creator, *others, title=None):
        body = {"participant_ids": [u.id for u in others], **({"title": title} if title else {})}
        response = self.request("POST", "/conversations", creator, json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()["id"]

    def send(self, sender, conversation_id, content="hello", **extra):
        response = self.request("POST", f"/conversations/{conversation_id}/messages", sender,
                                json={"content": content, **extra})
        assert response.status_code == 201, response.text
        return response.json()


class HttpUser:
    def __init__(self, id, username, token, refresh_token):
        self.id, self.username, self.token, self.refresh_token = id, username, token, refresh_token


@pytest.fixture
def api(servers):
    return Http(servers["api"].url)


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
