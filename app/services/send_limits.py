"""The per-user sending limit, counted in Redis so every API worker and realtime process shares it.

A sliding-window counter: the count of the current fixed window plus the previous window's
count weighted by how much of it still overlaps the sliding window.
"""
import math
import time
from dataclasses import dataclass

from flask import current_app

from app.errors import RateLimited
from app.redis_client import get_redis, key


@dataclass(frozen=True)
class Quota:
    limit: int
    remaining: int
    reset_in: int  # seconds until the current window ends

    def headers(self):
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(int(time.time()) + self.reset_in),
        }


def take_send_slot(user_id):
    """Count one message against the user's quota and return what is left.

    Raises RateLimited (429, with Retry-After and X-RateLimit-* headers) when the quota is spent;
    a refused attempt does not count.
    """
    limit = current_app.config["SEND_RATE_LIMIT"]
    window = current_app.config["SEND_RATE_WINDOW_SECONDS"]
    now = time.time()
    index = int(now // window)
    elapsed = now - index * window
    current_key, previous_key = key("ratelimit", "send", user_id, index), key("ratelimit", "send", user_id, index - 1)

    pipe = get_redis().pipeline()
    pipe.incr(current_key)
    pipe.expire(current_key, window * 2)
    pipe.get(previous_key)
    current, _, previous = pipe.execute()
    weighted = int(previous or 0) * (1 - elapsed / window) + current
    reset_in = math.ceil(window - elapsed)
    if weighted > limit:
        get_redis().decr(current_key)
        retry_after = _seconds_until_slot(int(previous or 0), current - 1, limit, window, elapsed)
        quota = Quota(limit, 0, reset_in)
        raise RateLimited(f"sending limit of {limit} messages per {window} s reached",
                          headers={**quota.headers(), "Retry-After": str(retry_after)},
                          details={"retry_after": retry_after})
    return Quota(limit, max(int(limit - weighted), 0), reset_in)


def release_send_slot(user_id):
    """Give back a slot taken by take_send_slot() for a message that was not stored after all."""
    window = current_app.config["SEND_RATE_WINDOW_SECONDS"]
    current_key = key("ratelimit", "send", user_id, int(time.time() // window))
    if int(get_redis().decr(current_key)) < 0:  # the window turned over in between: nothing to give back
        get_redis().delete(current_key)


def _seconds_until_slot(previous, current, limit, window, elapsed):
    """How long until one more message fits, as the previous window's weight decays."""
    if previous == 0 or current >= limit:
        return math.ceil(window - elapsed)
    # previous * (1 - t/window) + current + 1 <= limit  =>  t >= window * (1 - (limit - current - 1) / previous)
    # (written with a single division so whole seconds come out exact, not 36.00000000000003)
    needed = window * (previous - limit + current + 1) / previous
    return max(math.ceil(needed - elapsed), 1)
