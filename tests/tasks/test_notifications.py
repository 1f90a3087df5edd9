"""Push notifications end to end: the API schedules, a real consumer sends, a stand-in push service
on 127.0.0.1 receives; the test decrypts what arrived with the subscriber's own keys."""
import json
import uuid

import jwt
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import PushSubscription
from app.redis_client import get_redis, key
from tests.helpers import log_records, online, wait_until
from tests.web_push import Browser, b64url, p256_public_point


def push_jobs(app):
    """Records of finished deliver_push jobs."""
    from tasks import history  # here: importing tasks needs REDIS_URL, which the app fixture sets

    with app.app_context():
        return history.recent(["deliver_push"])


def unfinished_push_jobs(app):
    """deliver_push jobs enqueued and not finished yet: tasks.history records each job when it is
    enqueued (by the API, before the send returns), so none can be missing here."""
    from tasks import history

    with app.app_context():
        redis = get_redis()
        names = [name for name in redis.scan_iter(key("jobs", "*")) if redis.type(name) == "string"]
        records = [json.loads(raw) for raw in redis.mget(names) if raw] if names else []
    return [r["id"] for r in records
            if r["name"] == "deliver_push" and r["state"] not in (history.SUCCEEDED, history.FAILED)]


def wait_for_push_jobs(app, count):
    """Wait until `count` push jobs have finished and no other one is still to run (a barrier: a
    job that should not have been scheduled is waited for, then counted), and return their records."""
    wait_until(lambda: len(push_jobs(app)) >= count and not unfinished_push_jobs(app),
               f"{count} push job(s) to finish and no other one left")
    return push_jobs(app)


@pytest.fixture
def chat(client, push_enabled, push_service, consumer):
    alice, bob = client.user("alice"), client.user("bob")
    conversation = client.conversation(alice, bob)
    phone = Browser(client, bob, push_service.endpoint("bob-phone"))
    return alice, bob, conversation, phone


def test_offline_recipient_gets_an_encrypted_notification_with_vapid_headers(client, app, chat, push_service,
                                                                            push_enabled):
    alice, bob, conversation, phone = chat

    message = client.send(alice, conversation, "lunch at noon?")

    [job] = wait_for_push_jobs(app, 1)
    assert job["result"]["delivered"] == 1
    [push] = push_service.pushes_to("bob-phone")
    assert push.headers["content-encoding"] == "aes128gcm"
    assert push.headers["ttl"] == "120"
    assert phone.read(push) == {
        "type": "message", "conversation_id": conversation, "count": 1, "tag": f"conversation-{conversation}",
        "title": "alice", "body": "lunch at noon?", "message_id": message["id"], "seq": message["seq"]}
    scheme, params = push.headers["authorization"].split(" ", 1)
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert scheme == "vapid" and fields["k"] == push_enabled["VAPID_PUBLIC_KEY"]
    claims = jwt.decode(fields["t"], push_enabled["private_key"].public_key(), algorithms=["ES256"],
                        audience=push_service.endpoint("").split("/push/")[0])
    assert claims["sub"] == push_enabled["VAPID_SUBJECT"]


@pytest.mark.parametrize("status", [404, 410])
def test_subscription_the_push_service_no_longer_knows_is_removed(client, app, chat, push_service, status):
    alice, bob, conversation, phone = chat
    push_service.answer("bob-phone", status)

    client.send(alice, conversation, "are you there?")

    [job] = wait_for_push_jobs(app, 1)
    assert job["result"]["removed"] == 1
    with app.app_context():
        assert db.session.scalars(select(PushSubscription.id)).all() == []


def test_muted_conversation_does_not_push(client, app, chat, push_service):
    alice, bob, conversation, phone = chat
    other = client.conversation(alice, bob, title="not muted")
    client.as_user(bob, "patch", f"/conversations/{conversation}/mute")

    client.send(alice, conversation, "muted chatter")
    client.send(alice, other, "worth a push")

    wait_for_push_jobs(app, 1)
    assert [phone.read(p)["conversation_id"] for p in push_service.pushes_to("bob-phone")] == [other]
    assert len(push_jobs(app)) == 1


def test_a_mention_in_a_muted_conversation_is_pushed_alone(client, app, chat, push_service):
    alice, bob, conversation, phone = chat
    client.as_user(bob, "patch", f"/conversations/{conversation}/mute")

    client.send(alice, conversation, "muted chatter")
    mention = client.send(alice, conversation, "@bob are you there?")

    wait_for_push_jobs(app, 1)
    [push] = push_service.pushes_to("bob-phone")
    payload = phone.read(push)
    assert (payload["count"], payload["body"], payload["message_id"]) == (1, "@bob are you there?", mention["id"])


def test_messages_within_the_window_become_one_notification(client, app, chat, push_service, monkeypatch):
    alice, bob, conversation, phone = chat
    monkeypatch.setitem(app.config, "PUSH_COALESCE_SECONDS", 3)

    for text in ("one", "two", "three"):
        client.send(alice, conversation, text)

    wait_for_push_jobs(app, 1)
    [push] = push_service.pushes_to("bob-phone")
    payload = phone.read(push)
    assert (payload["count"], payload["body"]) == (3, "three (+2 more)")
    assert len(push_jobs(app)) == 1


def test_message_read_on_another_device_before_the_push_goes_out_is_not_pushed(client, app, chat, push_service,
                                                                               monkeypatch):
    alice, bob, conversation, phone = chat
    monkeypatch.setitem(app.config, "PUSH_COALESCE_SECONDS", 3)
    message = client.send(alice, conversation, "seen it already")

    client.as_user(bob, "patch", f"/messages/{message['id']}/read")

    [job] = wait_for_push_jobs(app, 1)
    assert job["result"] == {"skipped": "already read"}
    assert push_service.pushes_to("bob-phone") == []


def test_recipient_who_comes_online_before_the_push_goes_out_is_not_pushed(client, app, chat, push_service,
                                                                           monkeypatch):
    alice, bob, conversation, phone = chat
    monkeypatch.setitem(app.config, "PUSH_COALESCE_SECONDS", 3)
    client.send(alice, conversation, "ping")

    with online(app, bob):
        [job] = wait_for_push_jobs(app, 1)
    assert job["result"] == {"skipped": "recipient is online"}
    assert push_service.pushes_to("bob-phone") == []


def test_online_recipient_gets_no_push_but_does_once_offline(client, app, chat, push_service):
    alice, bob, conversation, phone = chat
    with online(app, bob):
        client.send(alice, conversation, "you are here")

    client.send(alice, conversation, "you left")

    [job] = wait_for_push_jobs(app, 1)
    [push] = push_service.pushes_to("bob-phone")
    assert phone.read(push)["body"] == "you left (+1 more)"


def test_without_previews_the_notification_carries_no_text_or_sender(client, app, chat, push_service):
    alice, bob, conversation, phone = chat
    client.as_user(bob, "put", "/push/settings", json={"previews": False})

    client.send(alice, conversation, "the secret plan")

    wait_for_push_jobs(app, 1)
    [push] = push_service.pushes_to("bob-phone")
    payload = phone.read(push)
    assert payload == {"type": "message", "conversation_id": conversation, "count": 1,
                       "tag": f"conversation-{conversation}", "title": "New message", "body": "You have a new message"}


def test_every_device_of_the_recipient_is_notified(client, app, chat, push_service):
    alice, bob, conversation, phone = chat
    laptop = Browser(client, bob, push_service.endpoint("bob-laptop"))

    client.send(alice, conversation, "hello both")

    [job] = wait_for_push_jobs(app, 1)
    assert job["result"]["delivered"] == 2
    assert laptop.read(push_service.pushes_to("bob-laptop")[0])["body"] == "hello both"


def test_unreachable_push_service_fails_the_job_after_its_retries(client, app, chat, push_service, consumer):
    from tasks.notifications import deliver_push

    alice, bob, conversation, phone = chat
    push_service.close()  # nothing listens there any more: connection refused
    with online(app, bob):  # so the API schedules nothing: this test enqueues the job itself,
        client.send(alice, conversation, "lost")  # with one immediate retry instead of three slow ones

    with app.app_context():
        job_id = deliver_push.schedule(args=(bob.id, conversation), delay=0, retries=1, retry_delay=0).id
    [job] = wait_for_push_jobs(app, 1)

    assert job["id"] == job_id and job["state"] == "failed"
    assert "PushDeliveryError" in job["error"]
    lines = [(r["message"], r["task"]) for r in log_records(consumer.read_text()) if r.get("job_id") == job_id]
    assert ("job will retry", "deliver_push") in lines
    assert ("job failed", "deliver_push") in lines
    from tasks import history

    with app.app_context():
        assert [failure["id"] for failure in history.failures()] == [job_id]


def test_the_consumer_logs_every_line_as_json_without_message_text_or_push_keys(client, app, chat, push_service,
                                                                                  push_enabled, consumer):
    alice, bob, conversation, phone = chat
    text = f"private-{uuid.uuid4().hex}"

    client.send(alice, conversation, text)

    [job] = wait_for_push_jobs(app, 1)
    output = consumer.read_text()
    assert all(line.startswith("{") for line in output.splitlines()), "one format: JSON lines"
    delivery = [r for r in log_records(output) if r.get("job_id") == job["id"]]
    assert {r["message"] for r in delivery} >= {"job started", "job succeeded"}
    private = [text, b64url(phone.auth), b64url(p256_public_point(phone.private_key)),
               push_enabled["VAPID_PRIVATE_KEY"]]
    assert [value for value in private if value in output] == []
