"""The production shape, run from the repository's own files: nginx with deploy/nginx.conf in front of
one ROLE=api Gunicorn, two ROLE=realtime Gunicorns and the Huey consumer, on loopback ports, against
the session's PostgreSQL and a Sentinel-managed Redis (a primary, a replica, three sentinels, with
passwords), as docker-compose.sentinel.yml runs it. Shared by the tests of this package."""
import functools
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import redis

from app.config import sentinel_target
from app.redis_client import blocking_pool
from app.rooms import NAMESPACE
from devstack.net import free_port
from tests.helpers import ApiClient, HttpSession
from tests.redis_sentinel import SentinelRedis
from tests.servers import ROOT, Consumer, Nginx, Server, side_by_side
from tests.sockets import SocketClient
from tests.system_programs import require

# Production's timings (PRESENCE_TTL_SECONDS 30 ...), with limits no test load reaches.
SETTINGS = {"PRESENCE_TTL_SECONDS": "30", "PRESENCE_IDLE_SECONDS": "300", "TYPING_TTL_SECONDS": "10",
            "TYPING_MAX_GROUP_SIZE": "50", "SEND_RATE_LIMIT": "100000", "LOGIN_RATE_LIMIT_PER_IP": "1000 per minute",
            "TRUSTED_PROXIES": "1", "REDIS_KEY_PREFIX": "msg:", "LOG_LEVEL": "WARNING"}
REDIS_PASSWORD, SENTINEL_PASSWORD = "redis-secret", "sentinel-secret"
TRIES_SECONDS = 30  # how long connect_elsewhere tries for a client on the other process


def render_nginx_conf(upstreams, port):
    """deploy/nginx.conf with its upstream servers ({"api:8000": "127.0.0.1:41001", ...}) and its
    listening port replaced; everything else exactly as deployed. Fails if the file no longer names
    each of them once."""
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    replacements = {rf"^(\s*server\s+){re.escape(name)}(?=[\s;])": rf"\g<1>{address}"
                    for name, address in upstreams.items()}
    replacements[r"^(\s*listen\s+)3000;"] = rf"\g<1>127.0.0.1:{port};"
    for pattern, replacement in replacements.items():
        conf, found = re.subn(pattern, replacement, conf, flags=re.MULTILINE)
        assert found == 1, f"deploy/nginx.conf should match {pattern!r} once"
    return conf


@dataclass
class Production:
    nginx: Nginx
    api_server: Server
    realtime: dict  # "realtime1" / "realtime2" -> Server
    consumer: Consumer
    redis: SentinelRedis
    runtime_dir: Path  # XDG_RUNTIME_DIR of every process
    consumer_heartbeat: Path

    @property
    def api(self):
        """The REST API through nginx."""
        return ApiClient(HttpSession(self.nginx.url))

    @functools.cached_property
    def redis_client(self):
        """A client of the production shape's Redis, through its sentinels."""
        settings = {"REDIS_SENTINEL": sentinel_target(self.redis.url), "REDIS_SENTINEL_PASSWORD": SENTINEL_PASSWORD,
                    "REDIS_POOL_SIZE": 4}
        return redis.Redis(connection_pool=blocking_pool(self.redis.url, settings, decode_responses=True,
                                                         socket_timeout=2, socket_connect_timeout=2))

    def process_of(self, user, socket):
        """The realtime process ("realtime1" ...) holding `socket`'s connection, from its presence
        record (sid -> "<host>:<pid>:<nonce>|...", the pid the Gunicorn worker's); None without one."""
        sid = socket.sio.get_sid(NAMESPACE)  # None while it reconnects
        value = sid and self.redis_client.hget(f"{SETTINGS['REDIS_KEY_PREFIX']}presence:user:{user.id}", sid)
        if not value:
            return None
        pid = int(value.split("|")[0].split(":")[1])
        return next((name for name, server in self.realtime.items()
                     if pid in {child.pid for child in psutil.Process(server.process.pid).children()}), None)

@pytest.fixture(scope="package")
def production(stack, app):
    nginx_path = require("nginx")
    # A directory of its own each time: a worker of pytest-xdist may set this fixture up more than once.
    directory = Path(tempfile.mkdtemp(prefix="production-", dir=stack["var_dir"]))
    (directory / "run").mkdir()
    sentinel_redis = SentinelRedis(directory / "redis", REDIS_PASSWORD, SENTINEL_PASSWORD)
    # XDG_RUNTIME_DIR: where Gunicorn would put its control socket (the test of gunicorn.conf.py looks).
    env = {**stack["env"], **SETTINGS, "REDIS_URL": sentinel_redis.url, "REDIS_SENTINEL_PASSWORD": SENTINEL_PASSWORD,
           "XDG_RUNTIME_DIR": str(directory / "run"), "CONSUMER_HEARTBEAT_FILE": str(directory / "consumer.heartbeat")}
    started = []
    try:
        api_server, realtime1, realtime2, consumer = side_by_side(
            started, lambda: Server("api", env, **SETTINGS), lambda: Server("realtime", env, **SETTINGS),
            lambda: Server("realtime", env, **SETTINGS),
            lambda: Consumer(env, directory / "consumer.log"))
        realtime = {"realtime1": realtime1, "realtime2": realtime2}
        port = free_port()
        conf = render_nginx_conf({"api:8000": f"127.0.0.1:{api_server.port}",
                                  **{f"{name}:8001": f"127.0.0.1:{server.port}" for name, server in realtime.items()}},
                                 port)
        started.append(Nginx(nginx_path, conf, port, directory / "nginx"))
        yield Production(started[-1], api_server, realtime, consumer, sentinel_redis, directory / "run",
                         directory / "consumer.heartbeat")
    finally:
        for process in reversed(started):
            process.stop()
        sentinel_redis.stop()


@pytest.fixture
def connect(production):
    """connect(user, **SocketClient options) -> a client connected through nginx; closed after the test."""
    clients = []

    def open_client(user, **options):
        clients.append(SocketClient(production.nginx.url, user.token, **options))
        return clients[-1].connect()

    yield open_client
    for client in clients:
        client.close()


@pytest.fixture
def connect_elsewhere(production, connect):
    """connect_elsewhere(user, taken, **options) -> (client, its process): a client of `user` on
    another realtime process than `taken`. nginx spreads new clients at random, so this connects
    until one lands there; for up to TRIES_SECONDS, since nginx sends every client to `taken` for
    fail_timeout (2 s) after the other process failed a request (it was restarting: the test before),
    and a process that just started answers slowly on a loaded machine."""

    def open_client(user, taken, **options):
        deadline = time.monotonic() + TRIES_SECONDS
        while time.monotonic() < deadline:
            client = connect(user, **options)
            process = production.process_of(user, client)  # recorded before the connection is confirmed
            assert process is not None
            if process != taken:
                return client, process
            client.close()
        pytest.fail(f"every connection for {TRIES_SECONDS} s landed on {taken}")

    return open_client
