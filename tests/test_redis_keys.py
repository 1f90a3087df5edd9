"""Every Redis key the API writes lives under REDIS_KEY_PREFIX, and the ephemeral ones expire."""
from app.redis_client import get_redis
from tests.helpers import PASSWORD


def test_keys_written_by_login_sending_and_logout_are_prefixed_and_expire(client, app):
    alice, bob = client.user("alice"), client.user("bob")
    conversation = client.conversation(alice, bob)
    client.send(alice, conversation, "hello")
    client.post("/auth/login", json={"username": "bob", "password": PASSWORD + "wrong"})
    client.as_user(alice, "post", "/auth/logout", json={"refresh_token": alice.refresh_token})

    with app.app_context():
        redis = get_redis()
        keys = {key: redis.ttl(key) for key in redis.scan_iter()}

    prefix = app.config["REDIS_KEY_PREFIX"]
    assert keys
    assert [key for key in keys if not key.startswith(prefix)] == []
    assert {key: ttl for key, ttl in keys.items() if ttl < 0} == {}
    families = {key[len(prefix):].split(":")[0] for key in keys}
    assert {"limiter", "ratelimit", "revoked"} <= families
