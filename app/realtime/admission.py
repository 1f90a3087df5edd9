"""How connects run: taking turns, newest first, each in a greenlet of its own.

A connect checks the token, registers the connection in Redis and announces its user online (a
Redis script, a PostgreSQL query for the contacts, a publish): one pooled Redis connection at a
time, and one PostgreSQL connection for the query. When thousands of clients connect at once
(every client of a restarted process reconnecting), running all their connects together took
every pooled Redis connection: connects and events waited out the pool's timeout and failed, each
refused client retried, and the storm fed itself (bench/RESULTS.md, "Target 3: reconnect storm").

So at most `slots_for(config)` connects run at once, half the smaller of the two pools (the bound
follows REDIS_POOL_SIZE and DATABASE_POOL_SIZE rather than being one more setting), and the rest
of each pool stays with the events of the connections already here. The others wait, and the
newest is served first: Socket.IO runs a connect in its connection's reader, so a client that gave
up waiting (python-socketio waits `wait_timeout` for the namespace, 1 s by default; the bench, as
socket.io's browser client, 20 s) is noticed only once its connect has run. Served in order of
arrival, a long queue serves only clients that have left, each accepted then disconnected, while
those still waiting time out behind them, and no one gets in: the storm of the first benchmark
with turns (bench/RESULTS.md). Newest first, those still waiting get in; a connect that waited
PATIENCE_SECONDS is refused `service_unavailable` (its client retries) rather than served late.
Disconnects take the same turns (without a limit on the wait): each writes to Redis and announces
its user offline, and thousands at once (clients that gave up, a mass drop) drained the pool too.

A connection's reader lives as long as the connection, and a connect runs deep (JWT, SQLAlchemy,
Redis scripts): the stack memory it touches would stay with the reader, about 20 KiB per
connection (bench/RESULTS.md, target 2). `apart` runs it in a greenlet that ends with it.
"""
import contextvars
from contextlib import contextmanager

import gevent
from flask import current_app
from gevent.event import Event

from app.errors import ServiceUnavailable

# Well within the 20 s socket.io's browser client waits for a connection.
PATIENCE_SECONDS = 5

_turns = None


def slots_for(config):
    """How many connects may run at once, for the app's `config`."""
    database_pool = config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"]
    return max(1, min(config["REDIS_POOL_SIZE"], database_pool) // 2)


class Turns:
    """At most `slots` holders at once, for greenlets of one process; waiters are served newest first."""

    def __init__(self, slots):
        self.free = slots
        self.waiting = []  # one Event per waiter, oldest first

    @contextmanager
    def taken(self, patience=None):
        """Hold a slot while the block runs. With `patience`, raise ServiceUnavailable after waiting
        that many seconds for one."""
        if self.free:
            self.free -= 1
        else:
            turn = Event()
            self.waiting.append(turn)
            # A waiter can time out and be handed the slot before it runs again: then the slot is its.
            if not turn.wait(patience) and not turn.is_set():
                self.waiting.remove(turn)
                raise ServiceUnavailable("server busy, retry shortly")
        try:
            yield
        finally:
            if self.waiting:
                self.waiting.pop().set()  # the slot goes straight to the newest waiter
            else:
                self.free += 1


def turns():
    """This process's Turns, for connects and disconnects alike, made at the first one from the app's settings."""
    global _turns
    if _turns is None:
        _turns = Turns(slots_for(current_app.config))
    return _turns


def apart(function, *args):
    """function(*args) in a greenlet of its own, in a copy of the caller's context (Flask's request
    and app contexts, the log fields), waited for: returns what it returns, raises what it raises."""
    def outcome():
        try:
            return function(*args), None
        except Exception as exc:  # re-raised below, in the caller: gevent would print it as a crash
            return None, exc

    result, error = gevent.spawn(contextvars.copy_context().run, outcome).get()
    if error is not None:
        raise error
    return result
