from datetime import timedelta

import pytest
from sqlalchemy import create_engine, make_url

from app.config import MissingSetting, SentinelTarget, SettingError, from_env

BASE = {"DATABASE_URL": "postgresql://u:p@db:5432/messaging", "REDIS_URL": "redis://cache:6379/0",
        "JWT_SECRET_KEY": "s" * 64}


def test_defaults_from_a_minimal_environment():
    config = from_env(BASE)

    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg2://u:p@db:5432/messaging"
    assert config["SEND_RATE_LIMIT"] == 100
    assert config["SEND_RATE_WINDOW_SECONDS"] == 3600
    assert config["MESSAGE_MAX_LENGTH"] == 4000
    assert config["JWT_ALGORITHM"] == "HS256"
    assert config["JWT_ACCESS_TOKEN_EXPIRES"] == timedelta(minutes=15)
    assert config["REDIS_KEY_PREFIX"] == "msg:"
    assert config["CORS_ORIGINS"] == []
    assert config["LOG_FORMAT"] == "json"
    assert config["METRICS_TOKEN"] is None and config["METRICS_BIND"] is None  # no metrics served


@pytest.mark.parametrize("missing", ["DATABASE_URL", "REDIS_URL", "JWT_SECRET_KEY"])
def test_required_settings_have_no_default(missing):
    env = {k: v for k, v in BASE.items() if k != missing}

    with pytest.raises(MissingSetting, match=missing):
        from_env(env)


def test_settings_are_read_from_the_environment():
    config = from_env({**BASE, "SEND_RATE_LIMIT": "5", "CORS_ORIGINS": "https://a.example, https://b.example",
                       "REDIS_KEY_PREFIX": "prod:", "JWT_ACCESS_TOKEN_MINUTES": "5", "RATELIMIT_ENABLED": "false"})

    assert config["SEND_RATE_LIMIT"] == 5
    assert config["CORS_ORIGINS"] == ["https://a.example", "https://b.example"]
    assert config["RATELIMIT_STORAGE_OPTIONS"] == {"key_prefix": "prod:limiter"}
    assert config["JWT_ACCESS_TOKEN_EXPIRES"] == timedelta(minutes=5)
    assert config["RATELIMIT_ENABLED"] is False


def test_a_multi_host_database_url_names_every_host_for_libpq_in_order():
    config = from_env({**BASE, "DATABASE_URL": "postgresql://app:secret@db1:5432,db2:6432/messaging"
                                               "?target_session_attrs=read-write"})

    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    connect_args = create_engine(url).dialect.create_connect_args(url)[1]
    assert connect_args == {"host": "db1,db2", "port": "5432,6432", "dbname": "messaging", "user": "app",
                            "password": "secret", "target_session_attrs": "read-write"}


def test_rs256_needs_a_public_key_not_a_secret():
    env = {k: v for k, v in BASE.items() if k != "JWT_SECRET_KEY"}

    with pytest.raises(MissingSetting, match="JWT_PUBLIC_KEY"):
        from_env({**env, "JWT_ALGORITHM": "RS256"})
    config = from_env({**env, "JWT_ALGORITHM": "RS256", "JWT_PUBLIC_KEY": "-----BEGIN PUBLIC KEY-----\\nabc\\n-----END"})
    assert config["JWT_PUBLIC_KEY"] == "-----BEGIN PUBLIC KEY-----\nabc\n-----END"
    assert config["JWT_DECODE_ALGORITHMS"] == ["RS256"]
    assert config["JWT_PRIVATE_KEY"] is None


def test_issuer_and_audience_apply_to_issued_and_accepted_tokens():
    config = from_env({**BASE, "JWT_ISSUER": "https://idp.example", "JWT_AUDIENCE": "messaging"})

    assert config["JWT_ENCODE_ISSUER"] == config["JWT_DECODE_ISSUER"] == "https://idp.example"
    assert config["JWT_ENCODE_AUDIENCE"] == config["JWT_DECODE_AUDIENCE"] == "messaging"


@pytest.mark.parametrize("name, value, problem, example", [
    ("SEND_RATE_LIMIT", "100/hour", "not a whole number", "SEND_RATE_LIMIT=100"),
    ("SEND_RATE_WINDOW_SECONDS", "0", "must be at least 1", "SEND_RATE_WINDOW_SECONDS=3600"),
    ("PUSH_ALLOW_HTTP_ENDPOINTS", "ture", "not true or false", "PUSH_ALLOW_HTTP_ENDPOINTS=false"),
    ("TYPING_TTL_SECONDS", "ten", "not a number of seconds", "TYPING_TTL_SECONDS=10"),
    ("LOGIN_RATE_LIMIT_PER_IP", "lots", "not a rate limit", "LOGIN_RATE_LIMIT_PER_IP='30 per minute'"),
    ("LOG_LEVEL", "verbose", "must be one of DEBUG", "LOG_LEVEL=INFO"),
    ("LOG_FORMAT", "xml", "must be one of JSON, TEXT", "LOG_FORMAT=JSON"),
    ("METRICS_BIND", "9101", "not host:port", "METRICS_BIND=0.0.0.0:9101"),
    ("JWT_ALGORITHM", "none", "must be one of HS256", "JWT_ALGORITHM=HS256"),
    ("JOBS_TIMEZONE", "Mars/Olympus", "not an IANA time zone", "JOBS_TIMEZONE=Europe/Berlin"),
    ("REDIS_URL", "localhost:6379", "must be a redis://, rediss://, unix://, redis+sentinel:// URL",
     "REDIS_URL=redis://"),
    ("REDIS_URL", "redis+sentinel://s1:26379", "name the service the sentinels monitor", "REDIS_URL=redis+sentinel://"),
    ("REDIS_URL", "redis+sentinel://s1:26379/mymaster/zero", "name the service", "REDIS_URL=redis+sentinel://"),
    ("REDIS_URL", "redis+sentinel://:pw@s1/mymaster", "sentinel address 's1' is not host:port",
     "REDIS_URL=redis+sentinel://"),
    ("REDIS_URL", "redis+sentinel://s1:26379,,s2:26379/mymaster", "sentinel address '' is not host:port",
     "REDIS_URL=redis+sentinel://"),
    ("VAPID_PRIVATE_KEY", "only-one-of-the-pair", "VAPID_PUBLIC_KEY: required with the other", "e.g."),
])
def test_a_bad_setting_is_one_line_naming_it_its_problem_and_a_good_value(name, value, problem, example):
    with pytest.raises(SettingError) as refused:
        from_env({**BASE, name: value})

    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(name) or message.startswith("VAPID_PUBLIC_KEY")
    assert problem in message and example in message


def test_a_short_jwt_secret_is_refused_without_echoing_it():
    with pytest.raises(SettingError) as refused:
        from_env({**BASE, "JWT_SECRET_KEY": "short"})

    assert str(refused.value).startswith("JWT_SECRET_KEY: 5 characters, at least 32")
    assert "short" not in str(refused.value)


def test_a_short_metrics_token_is_refused_without_echoing_it():
    with pytest.raises(SettingError) as refused:
        from_env({**BASE, "METRICS_TOKEN": "letmein"})

    assert str(refused.value).startswith("METRICS_TOKEN: 7 characters, at least 16")
    assert "letmein" not in str(refused.value)


def test_a_url_setting_is_refused_without_echoing_its_password():
    with pytest.raises(SettingError) as refused:
        from_env({**BASE, "DATABASE_URL": "mysql://admin:hunter2@db/messaging"})

    assert "hunter2" not in str(refused.value)
    assert str(refused.value).startswith("DATABASE_URL: must be a postgresql://, postgres:// URL")


def test_an_empty_setting_means_its_default():
    assert from_env({**BASE, "SEND_RATE_LIMIT": "", "PUSH_ALLOW_HTTP_ENDPOINTS": " "})["SEND_RATE_LIMIT"] == 100


def test_a_sentinel_url_names_the_sentinels_the_service_the_database_and_the_password():
    config = from_env({**BASE, "REDIS_URL": "redis+sentinel://:s%40cret@sentinel1:26379,10.0.0.2:26380/mymaster/2",
                       "REDIS_SENTINEL_PASSWORD": "sentinels-own"})

    assert config["REDIS_SENTINEL"] == SentinelTarget(sentinels=(("sentinel1", 26379), ("10.0.0.2", 26380)),
                                                      service_name="mymaster", db=2, username=None, password="s@cret")
    assert config["REDIS_SENTINEL_PASSWORD"] == "sentinels-own"


def test_a_sentinel_url_without_a_database_uses_database_0_and_other_urls_name_no_sentinel():
    assert from_env({**BASE, "REDIS_URL": "redis+sentinel://s1:26379/mymaster"})["REDIS_SENTINEL"] == \
        SentinelTarget((("s1", 26379),), "mymaster")
    assert from_env(BASE)["REDIS_SENTINEL"] is None


@pytest.mark.parametrize("redis_url, storage_uri", [("redis://cache:6379/0", "redis://cache:6379/0"),
                                                     ("unix:///tmp/redis.sock", "redis+unix:///tmp/redis.sock")])
def test_the_login_limiter_counts_in_the_same_redis(redis_url, storage_uri):
    config = from_env({**BASE, "REDIS_URL": redis_url})

    assert config["RATELIMIT_STORAGE_URI"] == storage_uri
    assert config["RATELIMIT_STORAGE_OPTIONS"] == {"key_prefix": "msg:limiter"}


def test_the_login_limiter_asks_the_same_sentinels_for_the_primary():
    config = from_env({**BASE, "REDIS_URL": "redis+sentinel://:secret@s1:26379,s2:26380/mymaster/2",
                       "REDIS_SENTINEL_PASSWORD": "sentinels-own"})

    assert config["RATELIMIT_STORAGE_URI"] == "redis+sentinel://s1:26379,s2:26380"
    assert config["RATELIMIT_STORAGE_OPTIONS"] == {
        "key_prefix": "msg:limiter", "service_name": "mymaster", "db": 2, "username": None, "password": "secret",
        "use_replicas": False,
        "sentinel_kwargs": {"password": "sentinels-own", "socket_timeout": 1, "socket_connect_timeout": 1}}
