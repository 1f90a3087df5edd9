"""REDIS_URL may name a Sentinel-managed Redis; a malformed one fails at start, saying why.
(tests/deploy/test_sentinel_failover.py runs the service on real sentinels.)"""
import pytest

from app.redis_client import InvalidRedisUrl, SentinelTarget, parse_sentinel_url


def test_a_sentinel_url_names_the_sentinels_the_service_the_database_and_the_password():
    target = parse_sentinel_url("redis+sentinel://:s%40cret@sentinel1:26379,10.0.0.2:26380/mymaster/2")

    assert target == SentinelTarget(sentinels=(("sentinel1", 26379), ("10.0.0.2", 26380)), service_name="mymaster",
                                    db=2, username=None, password="s@cret")


def test_a_sentinel_url_without_a_database_uses_database_0():
    assert parse_sentinel_url("redis+sentinel://s1:26379/mymaster") == SentinelTarget((("s1", 26379),), "mymaster")


def test_other_urls_are_not_sentinel_urls():
    assert parse_sentinel_url("redis://cache:6379/0") is None
    assert parse_sentinel_url("unix:///tmp/redis.sock") is None


@pytest.mark.parametrize("url, problem", [
    ("redis+sentinel://s1:26379", "name the service"),
    ("redis+sentinel://s1:26379/mymaster/zero", "name the service"),
    ("redis+sentinel://s1/mymaster", "'s1' is not host:port"),
    ("redis+sentinel://s1:26379,,s2:26379/mymaster", "'' is not host:port"),
])
def test_a_malformed_sentinel_url_is_refused_naming_the_problem(url, problem):
    with pytest.raises(InvalidRedisUrl, match=problem):
        parse_sentinel_url(url)
