"""The production shape (tests/deploy/conftest.py) works through nginx alone: REST, Socket.IO over
WebSocket and over long-polling held on one process by the sticky cookie, messages between clients
of different processes, images uploaded to and served by the app, jobs run by the consumer."""
from tests.helpers import PNG_BYTES, fetch, finished_job, make_admin, uploaded_image


def test_rest_and_readiness_through_nginx(production):
    api = production.api
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)

    sent = api.send(alice, conversation_id, "over REST")
    ready = api.get("/health/ready")

    history = api.as_user(bob, "get", f"/conversations/{conversation_id}/messages").json()["items"]
    assert [m["id"] for m in history] == [sent["id"]]
    assert ready.status_code == 200, ready.json()
    assert ready.json()["checks"] == {"postgres": "ok", "redis": "ok"}
    # The login limiter counted in the Sentinel-managed Redis (not in its per-process fallback).
    assert list(production.redis_client.scan_iter(match="msg:limiter*"))


def test_websocket_and_long_polling_clients_on_different_processes_talk_live(production, connect, connect_elsewhere):
    api = production.api
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    alice_socket = connect(alice)
    alice_process = production.process_of(alice, alice_socket)
    bob_socket, bob_process = connect_elsewhere(bob, alice_process, transports=["polling"])

    # Long-polling: each exchange is a few HTTP requests, each of which must reach bob's process.
    for n in range(3):
        ack = alice_socket.call("send_message", {"conversation_id": conversation_id, "content": f"ping {n}"})
        assert ack["ok"], ack
        assert bob_socket.wait_for("message_received")["message"]["content"] == f"ping {n}"
        ack = bob_socket.call("send_message", {"conversation_id": conversation_id, "content": f"pong {n}"})
        assert ack["ok"], ack
        assert alice_socket.wait_for("message_received")["message"]["content"] == f"pong {n}"

    assert alice_process != bob_process
    assert production.process_of(bob, bob_socket) == bob_process  # one polling session, never moved
    assert bob_socket.disconnected.empty()
    assert bob_socket.sio.eio.transport() == "polling"
    assert "realtime_route" in bob_socket.sio.eio.http.cookies  # the sticky cookie nginx handed out


def test_image_upload_and_download_through_nginx(production):
    api = production.api
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)

    image_id = uploaded_image(api, alice, conversation_id)  # POST /media/upload, through nginx
    sent = api.send(alice, conversation_id, "look", image_ids=[image_id])

    [image] = sent["images"]
    assert image["url"].startswith(production.nginx.url + "/media/")
    download = fetch(api, image["url"])
    assert download.status_code == 200
    assert download.content == PNG_BYTES


def test_a_job_triggered_through_nginx_is_run_by_the_consumer(production, app):
    api = production.api
    admin = make_admin(app, api.user())

    response = api.as_user(admin, "post", "/admin/trigger-archive")

    assert response.status_code == 202, response.json()
    assert finished_job(api, admin, response.json()["id"])["state"] == "succeeded"


def test_gunicorn_creates_no_control_socket(production):
    # Gunicorn 27's default is one path per user ($XDG_RUNTIME_DIR/gunicorn.ctl), which each of
    # the four instances above would have taken over from the one before.
    assert list(production.runtime_dir.iterdir()) == []
