"""Requests that never reach Flask get the API's JSON error body on every role: api (Gunicorn's
gevent worker), realtime and dev (`make run`; gevent-websocket on pywsgi). In this directory for
the real Gunicorn processes its fixtures start."""
import json
import socket
from urllib.parse import quote, urlsplit

import pytest

from http_workers import LIMIT_REQUEST_FIELD_SIZE, LIMIT_REQUEST_FIELDS, LIMIT_REQUEST_LINE
from tests.helpers import WAIT
from tests.servers import Server

ROLES = ["api", "realtime", "dev"]


@pytest.fixture(scope="module")
def by_role(servers, stack):
    dev = Server("dev", stack["env"])
    yield {"api": servers["api"], "realtime": servers["rt1"], "dev": dev}
    dev.stop()


def exchange(server, raw):
    """Send raw bytes; returns (status, headers, body) of the answer."""
    address = urlsplit(server.url)
    with socket.create_connection((address.hostname, address.port), timeout=WAIT) as sock:
        sock.sendall(raw)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass  # after the answer: the server closed with part of the request unread
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), {k.lower(): v for k, v in headers.items()}, body


def request(method, target, headers=(), body=b""):
    lines = [f"{method} {target} HTTP/1.1", "Host: test", "Connection: close", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def assert_json_error(answer, status, code):
    got_status, headers, body = answer
    assert got_status == status, body
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["error"]["code"] == code


@pytest.mark.parametrize("role", ROLES)
def test_a_request_line_over_the_limit_is_a_json_414(by_role, role):
    target = "/messages/search?q="
    at_limit = request("GET", target + "a" * (LIMIT_REQUEST_LINE - len(f"GET {target} HTTP/1.1")))
    over = request("GET", target + "a" * (LIMIT_REQUEST_LINE + 1 - len(f"GET {target} HTTP/1.1")))

    assert_json_error(exchange(by_role[role], at_limit), 401, "unauthorized")  # read, and answered by the app
    assert_json_error(exchange(by_role[role], over), 414, "request_uri_too_long")


@pytest.mark.parametrize("role", ROLES)
def test_the_longest_search_a_client_can_send_fits_in_the_request_line(by_role, role, api):
    alice = api.user()
    longest = quote("\U0001F600" * 500)  # 500 characters of 4 UTF-8 bytes: 6,000 percent-encoded
    cursor = "c" * 200

    status, _, body = exchange(by_role[role], request(
        "GET", f"/conversations/{2**63 - 1}/messages/search?q={longest}&cursor={cursor}&limit=100",
        headers=[f"Authorization: Bearer {alice.token}"]))

    assert status == 404, body  # searched: no such conversation of hers


@pytest.mark.parametrize("role", ROLES)
def test_headers_over_the_limits_are_a_json_431(by_role, role):
    one_too_large = [f"X-Large: {'a' * (LIMIT_REQUEST_FIELD_SIZE - len('X-Large: ') + 1)}"]
    too_many = [f"X-Header-{n}: 1" for n in range(LIMIT_REQUEST_FIELDS + 1)]

    for headers in (one_too_large, too_many):
        assert_json_error(exchange(by_role[role], request("GET", "/health", headers)), 431,
                          "request_header_fields_too_large")


@pytest.mark.parametrize("role", ROLES)
def test_bytes_that_are_not_an_http_request_are_a_json_400(by_role, role):
    for raw in (b"NONSENSE\r\n\r\n", request("GET", "/health", ["Content-Length: many"])):
        assert_json_error(exchange(by_role[role], raw), 400, "bad_request")


@pytest.mark.parametrize("role", ROLES)
def test_a_chunked_body_over_the_limit_is_a_413_like_one_with_content_length(by_role, role, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    chunk = b"a" * (limit // 4)
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(5)) + b"0\r\n\r\n"
    at_limit = b"a" * limit

    over = exchange(by_role[role], request("POST", "/auth/login", [
        "Content-Type: application/json", "Transfer-Encoding: chunked"], chunked))
    with_length = exchange(by_role[role], request("POST", "/auth/login", [
        "Content-Type: application/json", f"Content-Length: {limit + 1}"], at_limit + b"a"))
    within = exchange(by_role[role], request("POST", "/auth/login", [
        "Content-Type: application/json", "Transfer-Encoding: chunked"], b"%x\r\n%s\r\n0\r\n\r\n" % (limit, at_limit)))

    assert_json_error(over, 413, "request_entity_too_large")
    assert_json_error(with_length, 413, "request_entity_too_large")
    assert_json_error(within, 400, "bad_request")  # read whole: not JSON


@pytest.mark.parametrize("role", ROLES)
def test_options_is_a_204_with_allow_and_no_body(by_role, role):
    status, headers, body = exchange(by_role[role], request("OPTIONS", "/conversations"))

    assert status == 204 and body == b""
    assert set(headers["allow"].split(", ")) >= {"GET", "POST", "OPTIONS"}
    assert "content-type" not in headers
