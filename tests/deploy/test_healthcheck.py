"""deploy/healthcheck.py, the image's HEALTHCHECK, against a real HTTP server on loopback and the
real consumer of the production shape."""
import http.server
import importlib.util
import os
import threading
import time
from pathlib import Path

import pytest

from devstack.net import free_port
from tests.helpers import wait_until

spec = importlib.util.spec_from_file_location("healthcheck", Path(__file__).resolve().parents[2] / "deploy" / "healthcheck.py")
healthcheck = importlib.util.module_from_spec(spec)
spec.loader.exec_module(healthcheck)


@pytest.fixture
def server():
    """A server whose /health answers with `server.status`, /health/ready with `server.ready`."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response({"/health": httpd.status, "/health/ready": httpd.ready}.get(self.path, 404))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.status = httpd.ready = 200
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_a_server_answering_200_on_health_is_healthy(server):
    assert healthcheck.answers(server.server_port) is True


def test_a_server_answering_an_error_is_unhealthy(server):
    server.status = 503

    assert healthcheck.answers(server.server_port) is False


def test_readiness_is_asked_on_its_own_path(server):
    server.ready = 503

    assert healthcheck.answers(server.server_port, "/health/ready") is False
    assert healthcheck.answers(server.server_port) is True


def test_nothing_listening_is_unhealthy():
    assert healthcheck.answers(free_port()) is False


@pytest.mark.parametrize("env, port", [({"BIND": "0.0.0.0:8001", "PORT": "9"}, 8001), ({"PORT": "8000"}, 8000), ({}, 3000)])
def test_the_port_is_read_as_gunicorn_conf_reads_it(env, port):
    assert healthcheck.bound_port(env) == port


def test_a_consumer_heartbeat_is_fresh_only_for_a_while(tmp_path):
    heartbeat = tmp_path / "heartbeat"
    assert healthcheck.heartbeat_is_fresh(heartbeat) is False  # never touched: the consumer never read its queue

    heartbeat.touch()
    assert healthcheck.heartbeat_is_fresh(heartbeat) is True

    stale = time.time() - healthcheck.HEARTBEAT_MAX_AGE_SECONDS - 1
    os.utime(heartbeat, (stale, stale))
    assert healthcheck.heartbeat_is_fresh(heartbeat) is False


def test_a_running_consumer_keeps_its_heartbeat_fresh(production):
    heartbeat = production.consumer_heartbeat
    touched = heartbeat.stat().st_mtime

    wait_until(lambda: heartbeat.stat().st_mtime > touched, "the consumer to read its schedule again")

    assert healthcheck.heartbeat_is_fresh(heartbeat) is True
