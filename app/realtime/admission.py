"""How connects run: taking turns (app/turns.py), each in a greenlet of its own.

A connect checks the token, registers the connection in Redis and announces its user online (a
Redis script, a PostgreSQL query for the contacts, a publish): one pooled Redis connection at a
time, and one PostgreSQL connection for the query. When thousands of clients connect at once
(every client of a restarted process reconnecting), running all their connects together took
every pooled Redis connection: connects and events waited out the pool's timeout and failed, each
refused client retried, and the storm fed itself (bench/RESULTS.md, "Target 3: reconnect storm").

So at most `slots_for(config)` connects run at once, half the smaller of the two pools (the bound
follows REDIS_POOL_SIZE and DATABASE_POOL_SIZE rather than being one more setting), and the rest
of each pool stays with the events of the connections already here. The others wait: in order of
arrival while the oldest has waited less than a couple of seconds, newest first after that.
Socket.IO runs a connect in its connection's reader, so a client that gave up waiting
(python-socketio waits `wait_timeout` for the namespace, 1 s by default; the bench, as socket.io's
browser client, 20 s) is noticed only once its connect has run. Served in order of arrival, a long
queue serves only clients that have left, each accepted then disconnected, while those still
waiting time out behind them and queue again: in the 10,000-client storm nobody got back for
150 s. Newest first, those still waiting get in (all back 46 s after the new process was up), and
the abandoned connects run last; but newest first alone passed over the oldest of 20,000 clients
connecting 200 at a time until their 30 s ran out. (Refusing a connect that waited 5 s did worse:
each retry costs a whole handshake; bench/RESULTS.md.) Disconnects take the same turns: each
writes to Redis and announces its user offline, and thousands at once drained the Redis pool too.
They go before waiting connects: a disconnect can run in the message queue's listener (a logout's
`session_ended` ends connections), which must not wait out a storm.

A connection's reader lives as long as the connection, and a connect runs deep (JWT, SQLAlchemy,
Redis scripts): the stack memory it touches would stay with the reader, 5 KiB per connection
(bench/RESULTS.md, target 2). `apart` runs it in a greenlet that ends with it.
"""
import contextvars

import gevent
from flask import current_app

from app.turns import Turns, request_slots

_turns = None


def slots_for(config):
    """How many connects may run at once, for the app's `config`: half as many as HTTP requests."""
    return max(1, request_slots(config) // 2)


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
