"""Each connection's share of its process, so one socket cannot starve its neighbours.

- A budget of SOCKET_EVENTS_PER_SECOND events in any one-second window (a moving window): past
  it, an event is answered `rate_limited` at once and runs nothing (app/realtime/server.py).
- At most IN_FLIGHT_PER_CONNECTION of its events run at a time; the others wait their turn. Each
  running event holds at most one PostgreSQL and one Redis connection, so one socket never holds
  more than that many of either pool, however fast it sends.

Both are held by every connection, most of which send nothing for long stretches: the window is
made at a connection's first event, and the slots are gevent's semaphore (170 bytes, where
threading's, monkey-patched, is a Condition with a deque: 1.2 KB).
"""
import math
import time
from collections import deque

import gevent.lock

IN_FLIGHT_PER_CONNECTION = 2


class EventBudget:
    """A moving window over the times of the last `per_second` accepted events: exact, and O(1)
    per event with nothing to sweep. (The `limits` package's in-memory storage does the same per
    key, but rescans every key of the process every 10 ms: 8 ms a pass at 10,000 connections.)"""

    WINDOW_SECONDS = 1.0

    def __init__(self, per_second):
        self.per_second = per_second
        self._accepted = None  # a deque of at most per_second times, from the first event on

    def take(self, now=None):
        """Count one event. Returns None if it fits, else the whole seconds until one would."""
        now = time.monotonic() if now is None else now
        if self._accepted is None:
            self._accepted = deque(maxlen=self.per_second)
        if len(self._accepted) == self._accepted.maxlen:
            wait = self._accepted[0] + self.WINDOW_SECONDS - now
            if wait > 0:
                return math.ceil(wait)
        self._accepted.append(now)
        return None


def in_flight_slots():
    """The semaphore an event holds while it runs."""
    return gevent.lock.BoundedSemaphore(IN_FLIGHT_PER_CONNECTION)
