"""The Makefile's operator commands, run as an operator runs them: against the services that the
environment names (here the test session's PostgreSQL and Redis; `make run` writes its own for a
second terminal, var/dev-env.json)."""
import os
import subprocess

import pytest

from devstack.net import free_port
from tests.helpers import PASSWORD
from tests.servers import ROOT, Consumer, stop_gracefully, wait_for_http
from tests.sockets import SocketClient


@pytest.fixture
def services_env(stack, app):
    """The process environment plus the session's settings, as an operator would export them."""
    return {**os.environ, **stack["env"]}


def make(*args, env):
    return subprocess.run(["make", "-s", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_make_migrate_and_make_flask_users_create_reach_the_database(services_env, client):
    migrated = make("migrate", env=services_env)
    created = make("flask", f"ARGS=users create opal --admin --password '{PASSWORD}'", env=services_env)

    assert migrated.returncode == 0, migrated.stderr
    assert created.returncode == 0, created.stderr
    assert "created user opal" in created.stdout
    tokens = client.post("/auth/login", json={"username": "opal", "password": PASSWORD}).get_json()
    me = client.get("/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).get_json()
    assert me["is_admin"] is True


def test_without_a_database_the_commands_say_how_to_name_one(services_env):
    if (ROOT / ".env").exists() or (ROOT / "var" / "dev-env.json").exists():
        pytest.skip("a .env or a running `make run` in this checkout names the services")
    env = {name: value for name, value in services_env.items() if name not in ("DATABASE_URL", "REDIS_URL")}

    result = make("migrate", env=env)

    assert result.returncode != 0
    assert "DATABASE_URL and REDIS_URL not set: start `make run`" in result.stderr


def test_make_worker_runs_a_consumer(services_env, tmp_path):
    consumer = Consumer(services_env, tmp_path / "worker.log", command=["make", "-s", "worker"])  # waits for it

    consumer.stop()

    assert "huey consumer started" in (tmp_path / "worker.log").read_text().lower()


def test_make_serve_runs_a_server_of_the_role_asked_for(services_env, client):
    alice = client.user("alice")
    port = free_port()
    server = subprocess.Popen(["make", "-s", "serve", "ROLE=realtime", f"PORT={port}"], cwd=ROOT, env=services_env,
                              start_new_session=True)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health", server)
        # Only the realtime role's worker (gevent-websocket) takes WebSocket connections.
        socket = SocketClient(f"http://127.0.0.1:{port}", alice.token).connect()
        socket.close()
    finally:
        stop_gracefully(server)
