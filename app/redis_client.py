"""Connections to Redis, and the key namespace every Redis key lives under.

REDIS_URL names one Redis server (redis://, rediss://, unix://) or a Sentinel-managed one:

    redis+sentinel://[[user]:password@]sentinel1:26379,sentinel2:26379/<service name>[/<db>]

where the password is the Redis server's (as in a redis:// URL) and REDIS_SENTINEL_PASSWORD, if
set, the sentinels' own. With Sentinel every connection is opened to whichever server the
sentinels name as primary at that moment, so after a failover the service carries on without a
restart: a connection that fails is dropped and the next one asks the sentinels again.

Every user of Redis builds its pool here (the app's client, the Socket.IO message queue, Huey, the
rate limiters through the app's pool), so all of them understand the same REDIS_URL.
"""
import redis
from flask import current_app
from redis.sentinel import Sentinel, SentinelConnectionPool

# How long asking one sentinel may take before the next one is asked.
SENTINEL_TIMEOUT_SECONDS = 1
# How long a caller waits for a free pooled connection before it fails (a 503 to retry).
POOL_TIMEOUT_SECONDS = 5


class BlockingSentinelConnectionPool(SentinelConnectionPool, redis.BlockingConnectionPool):
    """Connections to whichever server the sentinels name as primary, from a blocking pool."""


def blocking_pool(url, config, **options):
    """The pool every client of ours uses (the app's, the Socket.IO message queue's, Huey's), for
    `url` (REDIS_URL) with `config`'s REDIS_SENTINEL (what a redis+sentinel:// URL names, read by
    app/config.py), REDIS_SENTINEL_PASSWORD and REDIS_POOL_SIZE: past REDIS_POOL_SIZE connections in
    use, a caller waits its turn (up to POOL_TIMEOUT_SECONDS) instead of failing at once with
    MaxConnectionsError. `options` are redis-py connection options (timeouts, decode_responses ...)."""
    size = {"max_connections": config["REDIS_POOL_SIZE"], "timeout": POOL_TIMEOUT_SECONDS}
    target = config["REDIS_SENTINEL"]
    if target is None:
        return redis.BlockingConnectionPool.from_url(url, **size, **options)
    sentinel = Sentinel(target.sentinels, sentinel_kwargs={
        "socket_timeout": SENTINEL_TIMEOUT_SECONDS, "socket_connect_timeout": SENTINEL_TIMEOUT_SECONDS,
        "password": config["REDIS_SENTINEL_PASSWORD"]})
    return BlockingSentinelConnectionPool(target.service_name, sentinel, db=target.db, username=target.username,
                                          password=target.password, **size, **options)


def init_app(app):
    # redis-py reconnects on its own after a Redis restart (or a Sentinel failover); the timeouts
    # keep a dead Redis from hanging a request, and health checks drop stale pooled connections.
    app.extensions["redis"] = redis.Redis(connection_pool=blocking_pool(
        app.config["REDIS_URL"], app.config, socket_timeout=5, socket_connect_timeout=2,
        health_check_interval=30, retry_on_timeout=True, decode_responses=True))


def get_redis():
    return current_app.extensions["redis"]


def key(*parts):
    """A Redis key under the configured prefix, e.g. key("typing", 3, 7) -> "msg:typing:3:7"."""
    return current_app.config["REDIS_KEY_PREFIX"] + ":".join(str(p) for p in parts)


def delete_family(family, batch=500):
    """Delete every key whose name starts with REDIS_KEY_PREFIX + `family`, found with SCAN and
    unlinked in batches (never KEYS, which blocks Redis); returns how many were deleted."""
    redis, deleted, names = get_redis(), 0, []
    for name in redis.scan_iter(match=key(family) + "*", count=batch):
        names.append(name)
        if len(names) == batch:
            deleted, names = deleted + redis.unlink(*names), []
    return deleted + (redis.unlink(*names) if names else 0)
