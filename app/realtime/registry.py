"""This process in Redis: its beat, the users it holds and their routes, which the message queue
follows to deliver each event only to the processes holding its recipients (app/message_queue.py).

- `presence:procs` (sorted set, process id -> last beat): the processes alive, beaten a few times
  per PRESENCE_TTL_SECONDS (and at every connect);
- `presence:proc:<process id>` (set): the users a process holds;
- `presence:route:<user id>` (set): the ids of the processes holding connections of the user.

A process writes only its own entries: a user's first connection here lists them, the last one's
disconnect unlists them. Those writes run one at a time, under a lock, each deciding from this
process's connection table at the moment it runs: a connect and a disconnect of one user sent over
two pooled Redis connections could otherwise reach Redis in the other order and leave a connected
user without a route. The entries of a process that stopped beating are removed by the first live
process to notice (realtime.presence.end_dead_processes), or lapse after a day.

Entries Redis lost are put back. A beat that finds this process no longer listed in
`presence:procs` (Redis restarted empty, a failover reached a replica that lacked the last writes,
someone cleared the family, or other processes took this one for dead while it stalled) marks the
users connected before it as lost; once the process hears its channel, the sweeper rebuilds the
entries, then tells those users to `resync`, since events routed meanwhile missed them. The
message queue's resubscription after a gap does the same for every user (realtime.catch_up).
"""
import logging
import threading
import time

from app.message_queue import PROCESS_ID, route_key
from app.realtime import connections
from app.redis_client import get_redis, key
from app.services.presence import KEY_TTL_SECONDS

log = logging.getLogger(__name__)

REBUILD_BATCH = 1000  # users per pipeline when entries are written again

_writes = threading.Lock()  # this process's registry writes, one at a time (above)
_listed = False  # whether this process has beaten since it started
_lost = set()  # users whose entries Redis lost, to rebuild and resync (the sweeper does)


def _users_key(process_id=PROCESS_ID):
    return key("presence", "proc", process_id)


def _list(pipe, user_id):
    pipe.sadd(_users_key(), user_id)
    pipe.sadd(route_key(user_id), PROCESS_ID)
    pipe.expire(route_key(user_id), KEY_TTL_SECONDS)


def _beat(pipe, now):
    pipe.zadd(key("presence", "procs"), {PROCESS_ID: time.time() if now is None else now})
    pipe.expire(key("presence", "procs"), KEY_TTL_SECONDS)
    pipe.expire(_users_key(), KEY_TTL_SECONDS)


def _noticed(relisted, fresh_user=None):
    """After a beat: `relisted`, whether it added this process to `presence:procs` anew. Past the
    first beat, Redis lost this process's entries: the users connected here before are marked lost
    (not `fresh_user`, listed by this very write with its only connection here)."""
    global _listed
    if relisted and _listed:
        users = connections.table.user_ids() - {fresh_user}
        if users:
            log.warning("the registry lost this process's entries (Redis restarted, failed over or was "
                        "cleared); rebuilding those of %d users", len(users))
        _lost.update(users)
    _listed = True


def beat(now=None):
    """Tell the other processes this one is alive."""
    with _writes:
        pipe = get_redis().pipeline(transaction=False)
        _beat(pipe, now)
        _noticed(pipe.execute()[0])


def hold(user_id, now=None):
    """A connection of the user opened here (it is in connections.table, and in the user's room):
    beat, and list the user under this process unless that connection has closed already."""
    with _writes:
        pipe = get_redis().pipeline(transaction=False)
        _beat(pipe, now)
        if connections.table.has_user(user_id):
            _list(pipe, user_id)
        _noticed(pipe.execute()[0], fresh_user=user_id if connections.table.count(user_id) == 1 else None)


def release(user_id):
    """A connection of the user closed here: unlist the user if it was their last one here."""
    with _writes:
        if connections.table.has_user(user_id):
            return
        pipe = get_redis().pipeline(transaction=False)
        pipe.srem(_users_key(), user_id)
        pipe.srem(route_key(user_id), PROCESS_ID)
        pipe.execute()


def rebuild():
    """Beat, and write the entries of every user connected here again; returns the users a beat
    had found lost (those still here), who may have missed events."""
    global _listed
    with _writes:
        held = connections.table.user_ids()
        users = sorted(held)
        pipe = get_redis().pipeline(transaction=False)
        _beat(pipe, None)
        for count, user_id in enumerate(users, 1):
            _list(pipe, user_id)
            if count % REBUILD_BATCH == 0:
                pipe.execute()
        pipe.execute()
        lost = _lost & held
        _lost.clear()
        _listed = True
    return lost


def lost_users():
    """Users connected here whose entries a beat found lost, not rebuilt yet."""
    return set(_lost)


def refresh_key_ttls(user_ids):
    """Keep the routes of users connected here from lapsing while they stay connected."""
    pipe = get_redis().pipeline(transaction=False)
    for user_id in user_ids:
        pipe.expire(route_key(user_id), KEY_TTL_SECONDS)
    pipe.execute()


def users_of(process_id):
    """The users a process listed."""
    return {int(user_id) for user_id in get_redis().smembers(_users_key(process_id))}


def forget(process_id, user_ids):
    """Remove the entries of a process that is no longer alive (`user_ids`: those it listed)."""
    pipe = get_redis().pipeline(transaction=False)
    for user_id in user_ids:
        pipe.srem(route_key(user_id), process_id)
    pipe.delete(_users_key(process_id))
    pipe.execute()


def unlist():
    """This process is leaving: it stops counting as alive now."""
    get_redis().zrem(key("presence", "procs"), PROCESS_ID)
