"""deploy/healthcheck.py, the image's HEALTHCHECK, against a real HTTP server on loopback."""
import http.server
import importlib.util
import threading
from pathlib import Path

import pytest

from devstack.net import free_port

spec = importlib.util.spec_from_file_location("healthcheck", Path(__file__).resolve().parents[2] / "deploy" / "healthcheck.py")
healthcheck = importlib.util.module_from_spec(spec)
spec.loader.exec_module(healthcheck)


@pytest.fixture
def server():
    """A server whose /health answers with `server.status`."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(httpd.status if self.path == "/health" else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.status = 200
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


def test_nothing_listening_is_unhealthy():
    assert healthcheck.answers(free_port()) is False


@pytest.mark.parametrize("env, port", [({"BIND": "0.0.0.0:8001", "PORT": "9"}, 8001), ({"PORT": "8000"}, 8000), ({}, 3000)])
def test_the_port_is_read_as_gunicorn_conf_reads_it(env, port):
    assert healthcheck.bound_port(env) == port
