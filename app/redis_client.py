"""The shared redis-py client and the key namespace every Redis key lives under."""
import redis
from flask import current_app


def init_app(app):
    app.extensions["redis"] = connect(app.config["REDIS_URL"])


def connect(url):
    # redis-py reconnects on its own after a Redis restart; the timeouts keep a dead
    # Redis from hanging a request, and health checks drop stale pooled connections.
    return redis.Redis.from_url(
        url,
        socket_timeout=5,
        socket_connect_timeout=2,
        health_check_interval=30,
        retry_on_timeout=True,
        decode_responses=True,
    )


def get_redis():
    return current_app.extensions["redis"]


def key(*parts):
    """A Redis key under the configured prefix, e.g. key("typing", 3, 7) -> "msg:typing:3:7"."""
    return current_app.config["REDIS_KEY_PREFIX"] + ":".join(str(p) for p in parts)
