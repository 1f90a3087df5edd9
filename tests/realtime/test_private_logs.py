"""Nothing private reaches the logs: no message text, search terms, tokens or passwords, whatever
the request and whatever fails, at any log level. Hostile requests go to the app in process and
to real Gunicorn processes (api and realtime, LOG_LEVEL=DEBUG); every log line they write is read."""
import contextlib
import logging
import socket
import uuid
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from app.extensions import db
from tests.helpers import WAIT, ApiClient, HttpSession, log_records
from tests.servers import Server


def secret(kind):
    return f"{kind}-{uuid.uuid4().hex[:12]}"


@contextlib.contextmanager
def failing_message_inserts(app):
    """Every INSERT into messages fails in PostgreSQL (a trigger): a failed statement whose
    parameters are message text, as a bug or a broken database would produce."""
    with app.app_context():
        db.session.execute(text("CREATE FUNCTION test_fail_insert() RETURNS trigger LANGUAGE plpgsql AS "
                                "$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$"))
        db.session.execute(text("CREATE TRIGGER test_fail_insert BEFORE INSERT ON messages "
                                "FOR EACH ROW EXECUTE FUNCTION test_fail_insert()"))
        db.session.commit()
    try:
        yield
    finally:
        with app.app_context():
            db.session.execute(text("DROP TRIGGER test_fail_insert ON messages"))
            db.session.execute(text("DROP FUNCTION test_fail_insert()"))
            db.session.commit()


def hostile_requests(client, app, secrets):
    """REST requests carrying secrets, including ones that fail. Returns the users made."""
    alice, bob = client.user(f"a{uuid.uuid4().hex[:10]}", password=secrets["password"]), client.user()
    messages = f"/conversations/{client.conversation(alice, bob)}/messages"

    answers = [
        client.post("/auth/login", json={"username": alice.username, "password": secrets["wrong password"]}),
        client.as_user(alice, "post", messages, json={"content": secrets["message"]}),
        client.as_user(alice, "post", messages, json={"content": secrets["message"] + "\ud800"}),
        client.as_user(alice, "get", "/messages/search", query_string={"q": secrets["search"]}),
        client.as_user(alice, "get", f"{messages}/search", query_string={"q": f"after:{secrets['search']}"}),
        client.get("/users/me", headers={"Authorization": f"Bearer {secrets['forged token']}"}),
    ]
    with failing_message_inserts(app):
        answers.append(client.as_user(alice, "post", messages, json={"content": secrets["failed message"]}))
    answers.append(client.as_user(alice, "post", "/auth/logout", json={"refresh_token": alice.refresh_token}))

    assert [answer.status_code for answer in answers] == [401, 201, 422, 200, 422, 401, 500, 204]
    return [alice, bob]


def unreadable_requests(server, secrets):
    """Requests the server refuses before Flask, quoting a secret in the request line."""
    address = urlsplit(server.url)
    for line in (f"GET /messages/search?q={secrets['search']} HTTP/9.9",
                 f"GET /messages/search?q={secrets['search']}{'x' * 9000} HTTP/1.1"):
        with socket.create_connection((address.hostname, address.port), timeout=WAIT) as sock:
            sock.sendall(f"{line}\r\nHost: test\r\nConnection: close\r\n\r\n".encode())
            with contextlib.suppress(ConnectionResetError):
                assert sock.recv(65536).startswith((b"HTTP/1.1 400", b"HTTP/1.1 414"))


def socket_events(realtime, api, connect, app, secrets):
    """Over Socket.IO: a forged token, a message, one that is not Unicode, one PostgreSQL fails.
    Returns the users made."""
    alice, bob = api.user(password=secrets["password"]), api.user()
    send = {"conversation_id": api.conversation(alice, bob)}
    connect(secrets["forged token"], realtime, expect_refusal=True)
    socket = connect(alice, realtime)

    acks = [socket.call("send_message", {**send, "content": secrets["socket message"]}),
            socket.call("send_message", {**send, "content": secrets["socket message"] + "\ud800"})]
    with failing_message_inserts(app):
        acks.append(socket.call("send_message", {**send, "content": secrets["failed socket message"]}))

    assert [ack["ok"] or ack["error"]["code"] for ack in acks] == [True, "validation_error", "internal_error"]
    return [alice, bob]


@pytest.fixture
def debug_servers(app, stack, tmp_path):
    started = {}
    try:
        for role in ("api", "realtime"):
            started[role] = Server(role, stack["env"], output=tmp_path / f"{role}.log", LOG_LEVEL="DEBUG")
        yield started, tmp_path
    finally:
        for server in started.values():
            server.stop()


def test_logs_hold_no_message_text_search_terms_tokens_or_passwords(app, client, caplog, connect, debug_servers):
    servers, log_dir = debug_servers
    secrets = {kind: secret(kind) for kind in ("password", "wrong password", "message", "failed message",
                                               "socket message", "failed socket message", "search", "forged token")}
    caplog.set_level(logging.DEBUG)

    users = hostile_requests(client, app, secrets)
    in_process = caplog.text  # only the app's: the HTTP clients below log their own requests
    for server in servers.values():
        users += hostile_requests(ApiClient(HttpSession(server.url)), app, secrets)
        unreadable_requests(server, secrets)
    users += socket_events(servers["realtime"], ApiClient(HttpSession(servers["api"].url)), connect, app, secrets)
    for server in servers.values():
        server.stop()  # every line written

    for n, user in enumerate(users):
        secrets.update({f"access token {n}": user.token, f"refresh token {n}": user.refresh_token})
    outputs = [path.read_text(errors="replace") for path in log_dir.glob("*.log")]
    logs = in_process + "".join(outputs)
    assert {kind for kind, value in secrets.items() if value in logs} == set()
    assert logs.count("injected failure") >= 4  # the failures were logged, without what was sent
    assert all(line.startswith("{") for output in outputs for line in output.splitlines()), "one format: JSON"


def test_every_line_of_a_request_or_socket_event_names_it(app, connect, debug_servers):
    servers, log_dir = debug_servers
    api = ApiClient(HttpSession(servers["api"].url))
    alice, bob = api.user(), api.user()
    conversation = api.conversation(alice, bob)
    sent = api.send(alice, conversation, "hi")
    socket = connect(alice, servers["realtime"])
    ack = socket.call("send_message", {"conversation_id": conversation, "content": "hello"})
    socket.close()
    for server in servers.values():
        server.stop()

    records = [r for path in log_dir.glob("*.log") for r in log_records(path.read_text())]
    stored = {r["door"]: r for r in records if r["message"] == "message stored"}
    assert stored["rest"]["message_id"] == sent["id"] and stored["socket"]["message_id"] == ack["data"]["message"]["id"]
    assert {r["conversation_id"] for r in stored.values()} == {conversation}
    [rest_send] = [r for r in records if r["message"] == "http request" and r["status"] == 201
                   and r["route"] == "/conversations/<int:conversation_id>/messages"]
    assert stored["rest"]["request_id"] == rest_send["request_id"]
    socket_lines = [r for r in records if r.get("connection_id")]
    assert {r["message"] for r in socket_lines} >= {"socket connected", "message stored", "socket disconnected"}
    assert {r["user_id"] for r in socket_lines} == {alice.id}
    assert len({r["connection_id"] for r in socket_lines}) == 1
