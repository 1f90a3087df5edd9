"""What sending a message schedules for push (no consumer runs in this module: the queue is inspected)."""
import logging

import pytest

from tests.helpers import online
from tests.web_push import Browser


def queued_pushes(app):
    from tasks import huey

    return [(task.name, tuple(task.args), task.eta is not None) for task in huey.pending()]


@pytest.fixture
def chat(client, push_enabled, push_service):
    alice, bob = client.user("alice"), client.user("bob")
    return alice, bob, client.conversation(alice, bob)


def test_offline_subscribed_recipient_gets_one_delayed_delivery(client, app, chat, push_service):
    alice, bob, conversation = chat
    Browser(client, bob, push_service.endpoint("bob"))

    client.send(alice, conversation, "hi")

    assert queued_pushes(app) == [("deliver_push", (bob.id, conversation), True)]


def test_messages_in_one_window_schedule_a_single_delivery(client, app, chat, push_service, monkeypatch):
    alice, bob, conversation = chat
    monkeypatch.setitem(app.config, "PUSH_COALESCE_SECONDS", 60)
    Browser(client, bob, push_service.endpoint("bob"))

    for text in ("one", "two", "three"):
        client.send(alice, conversation, text)

    assert queued_pushes(app) == [("deliver_push", (bob.id, conversation), True)]


def test_sender_is_never_notified_of_own_message(client, app, chat, push_service):
    alice, bob, conversation = chat
    Browser(client, alice, push_service.endpoint("alice"))

    client.send(alice, conversation, "note to self")

    assert queued_pushes(app) == []


def test_a_mention_is_scheduled_even_in_a_muted_conversation_and_system_messages_never(client, app, chat,
                                                                                      push_service):
    alice, bob, conversation = chat
    carol = client.user("carol")
    group = client.conversation(alice, bob, title="team")
    Browser(client, bob, push_service.endpoint("bob"))
    for muted in (conversation, group):
        client.ok(bob, "patch", f"/conversations/{muted}/mute")

    client.send(alice, conversation, "muted chatter")
    client.add(alice, group, carol)
    client.send(alice, group, "@bob this one is for you")

    assert queued_pushes(app) == [("deliver_push", (bob.id, group), True)]


def test_online_recipient_schedules_nothing(client, app, chat, push_service):
    alice, bob, conversation = chat
    Browser(client, bob, push_service.endpoint("bob"))

    with online(app, bob):
        client.send(alice, conversation, "you are here")

    assert queued_pushes(app) == []


def test_recipient_without_subscription_schedules_nothing(client, app, chat):
    alice, bob, conversation = chat

    client.send(alice, conversation, "nobody to push to")

    assert queued_pushes(app) == []


def test_without_vapid_keys_push_is_disabled_and_says_so_once(client, app, chat, push_service, monkeypatch, caplog):
    from app import webpush

    alice, bob, conversation = chat
    Browser(client, bob, push_service.endpoint("bob"))
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", "")
    monkeypatch.setitem(app.config, "VAPID_PUBLIC_KEY", "")
    webpush._say_disabled.cache_clear()  # as in a fresh process

    with caplog.at_level(logging.WARNING, logger="app.webpush"):
        client.send(alice, conversation, "one")
        client.send(alice, conversation, "two")

    assert queued_pushes(app) == []
    assert [r.getMessage() for r in caplog.records if r.name == "app.webpush"] == [
        "push notifications are disabled: VAPID_PRIVATE_KEY / VAPID_PUBLIC_KEY are not set"]
