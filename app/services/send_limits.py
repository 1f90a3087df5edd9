"""The per-user sending limit: SEND_RATE_LIMIT messages in any SEND_RATE_WINDOW_SECONDS, counted
in Redis so every API worker and realtime process shares it.

A moving window: Redis keeps the time of each of the last SEND_RATE_LIMIT sends, newest first,
so the wait it announces is exact. Once the oldest of them leaves the window one more send fits:
a client that waits Retry-After seconds succeeds (unless another of its devices sent meanwhile).

The window is the one of the `limits` package's MovingWindowRateLimiter (same list, same key,
same rule), taken and read in one script: the package needs two round trips for that (its `hit`,
then `get_window_stats` for the headers), and a send pays for every round trip. For the same
reason the script also checks, when asked, that the sender's token is not revoked.
"""
import math
import time
from dataclasses import dataclass

from flask import current_app

from app.auth.tokens import revoked_key
from app.errors import RateLimited, TokenRevoked
from app.redis_client import get_redis, key

# KEYS[1]: the user's send times, newest first; KEYS[2], if given: the blocklist's entry for the
# sender's token (app/auth/tokens.py). ARGV: now, the limit, the window in seconds.
# Returns {-1} if that entry exists (the token is revoked), taking nothing. Else takes a slot if
# the limit-th newest send is out of the window (what `limits` checks), then reads the window as
# `limits` does: the number of sends in it and the time of the oldest (a binary search over the
# list, which is sorted). Returns {taken (1 or 0), that number, that time}.
_TAKE_SLOT = """
local now, limit, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if KEYS[2] and redis.call('EXISTS', KEYS[2]) == 1 then
  return {-1}
end
local since = now - window
local last = redis.call('LINDEX', KEYS[1], limit - 1)
local taken = not (last and tonumber(last) >= since)
if taken then
  redis.call('LPUSH', KEYS[1], ARGV[1])
  redis.call('LTRIM', KEYS[1], 0, limit - 1)
  redis.call('EXPIRE', KEYS[1], window)
end
local low, high, oldest = 0, limit - 1, nil
while low <= high do
  local mid = math.floor((low + high) / 2)
  local at = tonumber(redis.call('LINDEX', KEYS[1], mid))
  if at and at >= since then
    oldest = mid
    low = mid + 1
  else
    high = mid - 1
  end
end
if oldest == nil then
  return {taken and 1 or 0, 0, ARGV[1]}
end
return {taken and 1 or 0, oldest + 1, redis.call('LINDEX', KEYS[1], oldest)}
"""


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


def take_send_slot(user_id, token_id=None):
    """Count one message against the user's quota and return what is left.

    Raises RateLimited (429, with Retry-After and X-RateLimit-* headers) when the quota is spent;
    a refused attempt does not count. With `token_id` (the jti of the sender's access token), first
    raises TokenRevoked, counting nothing, if that token is revoked.
    """
    limit, window = current_app.config["SEND_RATE_LIMIT"], current_app.config["SEND_RATE_WINDOW_SECONDS"]
    now = time.time()
    keys = [_window_key(user_id, limit, window)] + ([revoked_key(token_id)] if token_id is not None else [])
    taken, *rest = _script()(keys=keys, args=[now, limit, window])
    if taken == -1:
        raise TokenRevoked("token has been revoked")
    in_window, oldest = rest
    quota = Quota(limit, limit - in_window, float(oldest) + window)
    if not taken:
        # Whole seconds, strictly past the moment the oldest send leaves the window.
        retry_after = math.floor(max(quota.reset_at - now, 0)) + 1
        raise RateLimited(f"sending limit of {limit} messages per {window} s reached",
                          headers={**quota.headers(), "Retry-After": str(retry_after)},
                          details={"retry_after": retry_after})
    return quota


def _window_key(user_id, limit, window):
    # The key `limits` gives a RateLimitItemPerSecond(limit, window) for this user under the prefix
    # this service used with it: processes of either version share a user's window while they run.
    return key(f"ratelimit:send:LIMITER/{user_id}/{limit}/{window}/second")


def _script():
    """The script, registered on the app's Redis client once per app."""
    scripts = current_app.extensions.setdefault("send_limit_scripts", {})
    if "take" not in scripts:
        scripts["take"] = get_redis().register_script(_TAKE_SLOT)
    return scripts["take"]
