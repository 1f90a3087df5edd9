"""Taking turns: at most a few greenlets of a process at once run work that needs pooled
connections, and the others wait their turn, instead of all taking a pooled connection at once.

Thousands of requests arriving together (every client of a restarted realtime process catching
up; bench/RESULTS.md, "Target 3: reconnect storm") each take a Redis connection for the token's
revocation check, then wait for one of the database pool's; on two busy cores a holder waits
seconds for its turn on the CPU before it hands its connection back, the pools run dry, the
waiters time out (503, retried a second later), and everything else the process does (socket
events, the routing of live events) waits and times out with them.

Who waits is served in order of arrival while the oldest waiter is fresh (has waited less than
FRESH_SECONDS), and newest first once it is not: a client stops waiting after a while (a
Socket.IO connect after its client's connect timeout: 1 s for python-socketio, 20 s for the
browser client; an HTTP request after its client's timeout), and its request is noticed as
abandoned only once its turn comes. In order of arrival, a queue longer than clients wait serves
only abandoned work while those still waiting give up behind it and come back to its end; newest
first, those still waiting get in. But newest first passes over the oldest waiters for as long as
newer ones keep coming, and with a short queue (a few hundred connects at a time, each served in
milliseconds) that only made the oldest wait past their timeout: so, in order of arrival while
that costs nobody their turn ("adaptive LIFO").
"""
import time
from contextlib import contextmanager

from gevent.event import Event

# Below the browser client's connect timeout (20 s) and well below an HTTP client's, above the
# queue a steady stream of connects or requests builds (a second or so at 200 at a time).
FRESH_SECONDS = 2


class Turns:
    """At most `slots` holders at once, for greenlets of one process. Waiters are served in order
    of arrival while the oldest has waited less than `fresh` seconds, newest first once it has;
    one that asks `first` (a disconnect) before any of those, in order of arrival."""

    def __init__(self, slots, fresh=FRESH_SECONDS):
        self.free = slots
        self.fresh = fresh
        self.waiting = []  # (arrival time, Event) per waiter, oldest first
        self.waiting_first = []

    @contextmanager
    def taken(self, first=False):
        """Hold a slot while the block runs, once one is free."""
        if self.free:
            self.free -= 1
        else:
            turn = (time.monotonic(), Event())
            queue = self.waiting_first if first else self.waiting
            queue.append(turn)
            try:
                turn[1].wait()  # set by the holder that hands its slot over (below)
            except BaseException:  # killed while waiting (GreenletExit, a timeout around the connect)
                if turn in queue:
                    queue.remove(turn)
                else:  # handed the slot at that very moment: pass it on, or it is lost for good
                    self._hand_over()
                raise
        try:
            yield
        finally:
            self._hand_over()

    def _hand_over(self):
        """Give a slot being released straight to the next waiter, or back to the free ones."""
        if self.waiting_first:
            self.waiting_first.pop(0)[1].set()
        elif self.waiting:
            stale = time.monotonic() - self.waiting[0][0] >= self.fresh
            self.waiting.pop(-1 if stale else 0)[1].set()
        else:
            self.free += 1


def request_slots(config):
    """How many HTTP requests a process handles at once, for the app's `config`: one per pooled
    database connection (a request holds one from its first query to its end), at most one per
    pooled Redis connection."""
    return max(1, min(config["REDIS_POOL_SIZE"], config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"]))


class RequestsInTurn:
    """WSGI middleware around Flask: requests take turns, `slots` at once, except those for the
    paths in `exempt` (the health probes: quick, and they must answer while a storm queues)."""

    def __init__(self, wsgi_app, slots, exempt):
        self.wsgi_app, self.turns, self.exempt = wsgi_app, Turns(slots), frozenset(exempt)

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") in self.exempt:
            return self.wsgi_app(environ, start_response)
        # Flask has run the view and its teardown (the database session handed back) when it returns.
        with self.turns.taken():
            return self.wsgi_app(environ, start_response)
