"""Connects take turns: how many run at once in this process.

A connect checks the token, registers the connection in Redis and announces its user online (a
Redis script, a PostgreSQL query for the contacts, a publish): one pooled Redis connection at a
time, and one PostgreSQL connection for the query. When thousands of clients connect at once
(every client of a restarted process reconnecting), running all their connects together took
every pooled Redis connection: connects and events waited out the pool's timeout and failed, each
refused client retried, and the storm fed itself (bench/RESULTS.md, "Target 3: reconnect storm").

So at most `slots_for(config)` connects run at once, half the smaller of the two pools, and the
others wait their turn: their clients see a slower connect, not a refusal, and the rest of each
pool stays with the events of the connections already here. The bound follows the pool settings
(REDIS_POOL_SIZE, DATABASE_POOL_SIZE) rather than being one more.

Socket.IO runs a connect in its connection's reader, so a client that gives up while its connect
waits (python-socketio waits `wait_timeout` for the namespace, 1 s by default) is noticed only
once the connect has run: it is then accepted, and disconnected at once, as any client that leaves.
"""
import threading

from flask import current_app

_slots = None


def slots_for(config):
    """How many connects may run at once, for the app's `config`."""
    database_pool = config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"]
    return max(1, min(config["REDIS_POOL_SIZE"], database_pool) // 2)


def turn():
    """The semaphore a connect holds while it runs (a gevent one in the realtime processes:
    threading is monkey-patched there); made at the first connect, from the app's settings."""
    global _slots
    if _slots is None:
        _slots = threading.BoundedSemaphore(slots_for(current_app.config))
    return _slots
