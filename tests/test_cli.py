from app.redis_client import get_redis, key
from tests.helpers import PASSWORD


def login(client, username, password):
    tokens = client.post("/auth/login", json={"username": username, "password": password}).get_json()
    return client.get("/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).get_json()


def test_users_create_admin(runner, client):
    result = runner.invoke(args=["users", "create", "root", "--admin", "--password", PASSWORD])

    assert result.exit_code == 0, result.output
    assert "created user root" in result.output
    me = login(client, "root", PASSWORD)
    assert me["is_admin"] is True
    assert me["display_name"] == "root"


def test_users_create_without_admin_flag_makes_a_normal_user(runner, client):
    result = runner.invoke(args=["users", "create", "plain", "--display-name", "Plain Jane",
                                 "--password", PASSWORD])

    assert result.exit_code == 0, result.output
    me = login(client, "plain", PASSWORD)
    assert me["is_admin"] is False
    assert me["display_name"] == "Plain Jane"


def test_users_create_refuses_a_taken_username(runner, client):
    client.user("taken")

    result = runner.invoke(args=["users", "create", "TAKEN", "--admin", "--password", PASSWORD])

    assert result.exit_code == 1
    assert "already taken" in result.output


def test_users_create_refuses_an_invalid_username_or_password(runner):
    bad_name = runner.invoke(args=["users", "create", "no spaces", "--password", PASSWORD])
    bad_password = runner.invoke(args=["users", "create", "shorty", "--password", "short"])

    assert bad_name.exit_code == 2 and "username" in bad_name.output
    assert bad_password.exit_code == 2 and "password" in bad_password.output


def test_redis_clear_deletes_one_key_family_and_nothing_else(runner, app):
    with app.app_context():
        redis = get_redis()
        for n in range(1200):  # more than one batch
            redis.set(key("typing", 1, n), "1")
        redis.set(key("presence", "user", 1), "kept")
        redis.set("other-app:typing:1", "kept")  # outside REDIS_KEY_PREFIX

        result = runner.invoke(args=["redis", "clear", "typing"])

        assert result.exit_code == 0, result.output
        assert f"deleted 1200 keys under {app.config['REDIS_KEY_PREFIX']}typing" in result.output
        assert list(redis.scan_iter(match=key("typing") + "*")) == []
        assert redis.get(key("presence", "user", 1)) == redis.get("other-app:typing:1") == "kept"


def test_redis_clear_refuses_an_unknown_family(runner):
    result = runner.invoke(args=["redis", "clear", ""])

    assert result.exit_code == 2
    assert "'typing'" in result.output  # the families it knows
