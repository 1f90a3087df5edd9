"""Real processes for the realtime tests: two realtime Gunicorn processes and one API process,
against the session's PostgreSQL and Redis, and python-socketio clients connecting to them."""
import pytest
import socketio

from tests.helpers import ApiClient, HttpSession
from tests.servers import Server
from tests.sockets import SocketClient


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
