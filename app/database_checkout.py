"""A pooled PostgreSQL connection is checked as it leaves the pool, without a round trip unless
there is a reason. (SQLAlchemy's `pool_pre_ping` sends a `SELECT 1` at every checkout: a round trip
on every request and every send, bench/RESULTS.md, target 1.)

- An idle connection has nothing to read. One that has (a server that restarted, or ended the
  backend, said so and closed it) is pinged: a look at its socket (poll, no round trip) tells.
- A connection idle longer than IDLE_PING_SECONDS is pinged too, as `pool_pre_ping` would: what a
  closed socket cannot show (a server gone silently, a NAT entry expired) shows there.

A failed ping drops every connection the pool holds (as a failed pre-ping does: after a restart
all of them are dead) and the checkout is retried on a new one, so the first request after a
restart succeeds. A statement that meets a dead connection in use fails (503) and drops the pool
too (SQLAlchemy does that for any disconnect error).
"""
import select
import time

from gevent.monkey import get_original
from sqlalchemy import event, exc

IDLE_PING_SECONDS = 5
# The system's poll, even under gevent's monkey-patching: gevent's own cannot look without waiting
# for its loop (a zero timeout sees nothing), and select() fails on descriptors past 1023, which a
# realtime process holding thousands of sockets opens its database connections at.
_system_poll = get_original("select", "poll")


def _has_input(dbapi_connection):
    """Whether the connection's socket has anything to read, without waiting."""
    poller = _system_poll()
    poller.register(dbapi_connection, select.POLLIN)
    return bool(poller.poll(0))


def check_at_checkout(engine):
    """Install the checks on `engine`'s pool (psycopg2 connections)."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def checked_in(dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def checked_out(dbapi_connection, record, proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is None:  # just opened (the pool clears `info` when it reconnects)
            return
        if time.monotonic() - idle_since > IDLE_PING_SECONDS or _has_input(dbapi_connection):
            try:
                dialect.do_ping(dbapi_connection)
            except dialect.loaded_dbapi.Error as error:
                raise exc.InvalidatePoolError(f"pooled connection unusable: {error}") from error
