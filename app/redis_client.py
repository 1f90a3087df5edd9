"""The shared redis-py client and the key namespace every Redis key lives under."""
import redis
from flask import current_app

# How long a caller waits for a free pooled connection before it fails (a 503 to retry).
POOL_TIMEOUT_SECONDS = 5


def init_app(app):
    # redis-py reconnects on its own after a Redis restart; the timeouts keep a dead Redis from
    # hanging a request, and health checks drop stale pooled connections.
    app.extensions["redis"] = redis.Redis(connection_pool=blocking_pool(
        app.config["REDIS_URL"], app.config, socket_timeout=5, socket_connect_timeout=2,
        health_check_interval=30, retry_on_timeout=True, decode_responses=True))


def blocking_pool(url, config, **connection_options):
    """The pool every client of ours uses (the app's, the Socket.IO message queue's): past
    REDIS_POOL_SIZE connections in use, a caller waits its turn (up to POOL_TIMEOUT_SECONDS)
    instead of failing at once with MaxConnectionsError."""
    return redis.BlockingConnectionPool.from_url(url, max_connections=config["REDIS_POOL_SIZE"],
                                                 timeout=POOL_TIMEOUT_SECONDS, **connection_options)


def get_redis():
    return current_app.extensions["redis"]


def key(*parts):
    """A Redis key under the configured prefix, e.g. key("typing", 3, 7) -> "msg:typing:3:7"."""
    return current_app.config["REDIS_KEY_PREFIX"] + ":".join(str(p) for p in parts)
