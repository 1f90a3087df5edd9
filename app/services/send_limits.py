"""The per-user sending limit: SEND_RATE_LIMIT messages in any SEND_RATE_WINDOW_SECONDS, counted
in Redis so every API worker and realtime process shares it.

A moving window (the `limits` package's MovingWindowRateLimiter): Redis keeps the time of each
of the last SEND_RATE_LIMIT sends, so the wait it announces is exact. Once the oldest of them
leaves the window one more send fits: a client that waits Retry-After seconds succeeds (unless
another of its devices sent meanwhile).
"""
import math
import time
from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItemPerSecond
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter

from app.errors import RateLimited
from app.redis_client import get_redis


@dataclass(frozen=True)
class Quota:
    limit: int
    remaining: int
    reset_at: float  # when the oldest send in the window leaves it (Unix time)

    def headers(self):
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(math.ceil(self.reset_at)),
        }


def take_send_slot(user_id):
    """Count one message against the user's quota and return what is left.

    Raises RateLimited (429, with Retry-After and X-RateLimit-* headers) when the quota is spent;
    a refused attempt does not count.
    """
    limiter, item = _limiter(), _item()
    accepted = limiter.hit(item, str(user_id))
    stats = limiter.get_window_stats(item, str(user_id))
    quota = Quota(item.amount, stats.remaining, stats.reset_time)
    if not accepted:
        # Whole seconds, strictly past the moment the oldest send leaves the window.
        retry_after = math.floor(max(stats.reset_time - time.time(), 0)) + 1
        raise RateLimited(f"sending limit of {item.amount} messages per {item.multiples} s reached",
                          headers={**quota.headers(), "Retry-After": str(retry_after)},
                          details={"retry_after": retry_after})
    return quota


def _item():
    config = current_app.config
    return RateLimitItemPerSecond(config["SEND_RATE_LIMIT"], config["SEND_RATE_WINDOW_SECONDS"])


def _limiter():
    """This app's limiter, on the app's own Redis connection pool (built once per app)."""
    limiter = current_app.extensions.get("send_limiter")
    if limiter is None:
        storage = RedisStorage(current_app.config["REDIS_URL"], connection_pool=get_redis().connection_pool,
                               key_prefix=current_app.config["REDIS_KEY_PREFIX"] + "ratelimit:send")
        limiter = current_app.extensions["send_limiter"] = MovingWindowRateLimiter(storage)
    return limiter
