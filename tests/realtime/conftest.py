"""Real processes for the realtime tests: realtime Gunicorn processes (two; four for the modules of
OVER_FOUR_PROCESSES, which run over both) and one API process, against the session's PostgreSQL and
Redis, and python-socketio clients connecting to them."""
import functools

import pytest
import socketio

from tests.helpers import ApiClient, HttpSession
from tests.servers import Server, side_by_side
from tests.sockets import SocketClient

# These modules run a second time over four realtime processes: events reach the processes that
# hold their recipients, and only those, however many processes run.
OVER_FOUR_PROCESSES = {"test_messages", "test_presence", "test_typing", "test_connection", "test_catch_up",
                       "test_routing", "test_conversation_changes"}


def pytest_generate_tests(metafunc):
    if "servers" in metafunc.fixturenames:
        counts = [2, 4] if metafunc.module.__name__.rsplit(".", 1)[-1] in OVER_FOUR_PROCESSES else [2]
        metafunc.parametrize("servers", counts, indirect=True, scope="session",
                             ids=[f"{count}-realtime-processes" for count in counts])


@pytest.fixture(scope="session")
def servers(request, app, stack):
    """{"api": Server, "rt1": Server, "rt2": Server ...}: as many realtime processes as the test's
    parameter says, shared by the tests that run over that many."""
    roles = {"api": "api", **{f"rt{n}": "realtime" for n in range(1, request.param + 1)}}
    started = []
    try:
        side_by_side(started, *(functools.partial(Server, role, stack["env"]) for role in roles.values()))
        yield dict(zip(roles, started))
    finally:
        for server in started:
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
