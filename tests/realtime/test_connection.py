"""Auth on connect and on every event; tokens that expire or are revoked end the connection."""
from datetime import timedelta

import pytest
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token

from app.redis_client import get_redis, key


@pytest.mark.parametrize("token, reason", [
    (None, "missing token"),
    ("not-a-jwt", "invalid token"),
])
def test_connect_without_a_valid_token_is_refused_with_the_reason(connect, token, reason):
    refused = connect(token, expect_refusal=True)

    assert reason in refused.connect_error["message"]
    assert refused.connect_error["data"] == {"code": "unauthorized"}


def test_connect_with_an_expired_token_is_refused(app, api, connect):
    alice = api.user()
    with app.app_context():
        expired = create_access_token(identity=str(alice.id), expires_delta=timedelta(seconds=-5))

    refused = connect(expired, expect_refusal=True)

    assert refused.connect_error["message"] == "token has expired"


def test_connect_with_a_token_that_could_not_be_revoked_is_refused(app, api, connect):
    alice = api.user()
    with app.app_context():
        without_jti = create_access_token(identity=str(alice.id), additional_claims={"jti": ""})

    refused = connect(without_jti, expect_refusal=True)

    assert refused.connect_error["message"] == "invalid token: jti and exp are required"


def test_connect_with_a_refresh_token_is_refused(app, api, connect):
    alice = api.user()

    refused = connect(alice.refresh_token, expect_refusal=True)

    assert "access token is required" in refused.connect_error["message"]


def test_connect_with_a_logged_out_token_is_refused(api, connect):
    alice = api.user()
    assert api.as_user(alice, "post", "/auth/logout", json={}).status_code in (200, 204)

    refused = connect(alice, expect_refusal=True)

    assert refused.connect_error["message"] == "token has been revoked"


def test_logout_disconnects_live_sockets_on_every_process(api, connect):
    alice = api.user()
    phone, laptop = connect(alice, "rt1"), connect(alice, "rt2")

    assert api.as_user(alice, "post", "/auth/logout", json={}).status_code in (200, 204)

    for device in (phone, laptop):
        assert device.wait_for("session_ended") == {"reason": "token_revoked"}
        device.wait_disconnected()


def test_socket_is_disconnected_when_its_token_expires(app, api, connect):
    alice = api.user()
    with app.app_context():
        short_lived = create_access_token(identity=str(alice.id), expires_delta=timedelta(seconds=2))
    socket = connect(short_lived)

    assert socket.wait_for("session_ended") == {"reason": "token_expired"}
    socket.wait_disconnected()


def test_event_after_a_revocation_whose_notice_was_lost_is_refused_and_ends_the_connection(app, api, connect):
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    socket = connect(alice)
    with app.app_context():
        # What logging out stores, without the disconnect notice it also sends.
        get_redis().set(key("revoked", decode_token(alice.token)["jti"]), "1", ex=60)

    ack = socket.call("send_message", {"conversation_id": conversation_id, "content": "sneaky"})

    assert ack == {"ok": False, "error": {"code": "unauthorized", "message": "token has been revoked"}}
    socket.wait_disconnected()
    history = api.as_user(bob, "get", f"/conversations/{conversation_id}/messages").json()["items"]
    assert history == []
    assert api.send(bob, conversation_id, "next")["seq"] == 1  # the refused send left no gap


def test_a_retry_after_a_revocation_whose_notice_was_lost_is_refused_too(app, api, connect):
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    socket = connect(alice)
    message = {"conversation_id": conversation_id, "content": "hello", "client_message_id": "once"}
    stored = socket.call("send_message", message)
    with app.app_context():
        get_redis().set(key("revoked", decode_token(alice.token)["jti"]), "1", ex=60)

    retry = socket.call("send_message", message)

    assert stored["ok"]
    assert retry == {"ok": False, "error": {"code": "unauthorized", "message": "token has been revoked"}}
    socket.wait_disconnected()


def test_every_event_answers_bad_input_with_an_error_ack_and_keeps_the_connection(api, connect):
    alice = api.user()
    socket = connect(alice)

    acks = {event: socket.call(event, {"conversation_id": "x", "message_id": [], "status": "asleep"})
            for event in ("join_conversation", "send_message", "mark_read", "mark_delivered",
                          "typing_start", "typing_stop", "heartbeat")}

    for event, ack in acks.items():
        assert ack["ok"] is False, event
        assert ack["error"]["code"] == "validation_error", event
    assert socket.call("heartbeat", {})["ok"] is True
