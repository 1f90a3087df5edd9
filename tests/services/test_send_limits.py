"""The sending limit's promise: a client that waits the Retry-After it was given can send again.
A window of two seconds, so the waits are short."""
import time

import pytest
from limits import RateLimitItemPerSecond
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter

from app.redis_client import get_redis

WINDOW = 2


@pytest.fixture
def short_window(app, monkeypatch):
    monkeypatch.setitem(app.config, "SEND_RATE_LIMIT", 3)
    monkeypatch.setitem(app.config, "SEND_RATE_WINDOW_SECONDS", WINDOW)


def send(client, user, conversation, content):
    return client.as_user(user, "post", f"/conversations/{conversation}/messages", json={"content": content})


def test_a_client_that_waits_retry_after_can_send_again(client, short_window):
    alice, bob = client.user("alice"), client.user("bob")
    conversation = client.conversation(alice, bob)
    # Start just as a clock-aligned window begins: the sliding-window counter this limit replaced
    # told such a client to wait for the next window, and then refused it again.
    time.sleep(WINDOW - time.time() % WINDOW)
    sent = [send(client, alice, conversation, f"m{n}").status_code for n in range(3)]
    refused = send(client, alice, conversation, "one too many")
    time.sleep(int(refused.headers["Retry-After"]))

    after_waiting = send(client, alice, conversation, "after waiting")

    assert sent == [201, 201, 201] and refused.status_code == 429
    assert after_waiting.status_code == 201


def test_retry_after_is_in_the_body_too_and_never_more_than_the_window(client, short_window):
    alice, bob = client.user("alice"), client.user("bob")
    conversation = client.conversation(alice, bob)
    for n in range(3):
        send(client, alice, conversation, f"m{n}")

    refused = send(client, alice, conversation, "one too many")

    assert refused.get_json()["error"]["details"]["retry_after"] == int(refused.headers["Retry-After"])
    assert 1 <= int(refused.headers["Retry-After"]) <= WINDOW


def test_sends_counted_by_the_previous_version_count_against_the_limit(client, app, short_window):
    # It counted with the `limits` package's moving window: during a rolling deploy, processes of
    # both versions share each user's window.
    alice, bob = client.user("alice"), client.user("bob")
    conversation = client.conversation(alice, bob)
    with app.app_context():
        storage = RedisStorage(app.config["REDIS_URL"], connection_pool=get_redis().connection_pool,
                               key_prefix=app.config["REDIS_KEY_PREFIX"] + "ratelimit:send")
        previous_version = MovingWindowRateLimiter(storage)
        for _ in range(3):
            previous_version.hit(RateLimitItemPerSecond(3, WINDOW), str(alice.id))

    refused = send(client, alice, conversation, "one too many")

    assert refused.status_code == 429
    assert refused.headers["X-RateLimit-Remaining"] == "0"
