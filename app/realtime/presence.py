"""This process's side of presence (the model is app/services/presence.py).

The process beats in `presence:procs` and lists the users it holds in `presence:proc:<process
id>` (app/realtime/registry.py, which also keeps their routes). The sweeper of every live process
also looks for dead processes (no beat for PRESENCE_TTL_SECONDS): the first to remove a dead one
from `presence:procs` re-evaluates that process's users, who go offline unless connected
elsewhere, and removes its entries from the registry. It also re-evaluates users whose idle time
has run out (they go away).
"""
import logging
import time

from flask import current_app

from app.message_queue import PROCESS_ID
from app.realtime import registry
from app.redis_client import get_redis, key
from app.services import events
from app.services import presence as model

log = logging.getLogger(__name__)


def _announce(change):
    _announce_all([change])
    return change


def connected(user_id, sid):
    """A connection opened here (and joined the user's room): the user is online (activity now),
    and events for them are routed here from now on."""
    registry.hold(user_id)
    return _announce(model.update(user_id, "touch", sid=sid, process_id=PROCESS_ID, mode="online"))


def heartbeat(user_id, sid, status):
    """The client says it is here and `status` ("online" or "away"); only real changes are announced."""
    return _announce(model.update(user_id, "touch", sid=sid, process_id=PROCESS_ID, mode=status))


def disconnected(user_id, sid):
    """A connection here closed (and left connections.table)."""
    registry.release(user_id)
    return _announce(model.update(user_id, "remove", sid=sid))


def refresh_key_ttls(user_ids):
    """Keep the presence hashes of users connected here from lapsing while they stay quiet."""
    pipe = get_redis().pipeline(transaction=False)
    for uid in user_ids:
        pipe.expire(key("presence", "user", uid), model.KEY_TTL_SECONDS)
    pipe.execute()


def end_dead_processes(now=None):
    """Re-evaluate the users of processes that stopped beating; returns how many users were checked."""
    redis = get_redis()
    now = time.time() if now is None else now
    procs = key("presence", "procs")
    checked = 0
    for process_id in redis.zrangebyscore(procs, "-inf", now - current_app.config["PRESENCE_TTL_SECONDS"],
                                          start=0, num=100):
        if not redis.zrem(procs, process_id):
            continue  # another process claimed it
        log.warning("realtime process %s stopped beating; re-checking its users", process_id)
        checked += _recheck_users_of(process_id, now)
    return checked


def leave(user_ids, now=None):
    """This process is going away, its connections closed (`user_ids`: their users): every user it
    held, those and any it still lists, is re-evaluated without this process's connections, in
    bulk, and announced offline unless connected elsewhere; then the process stops counting as
    alive and its registry entries go. Returns how many users were re-evaluated."""
    users = set(user_ids) | registry.users_of(PROCESS_ID)
    try:
        _announce_all(model.update_many(sorted(users), "leave", process_id=PROCESS_ID,
                                        now=time.time() if now is None else now))
    finally:
        registry.unlist()
        registry.forget(PROCESS_ID, users)
    return len(users)


def _recheck_users_of(process_id, now):
    """Re-evaluate the users a process listed, which no longer counts as alive, and remove its
    entries from the registry; returns how many."""
    user_ids = registry.users_of(process_id)
    _announce_all(model.update_many(sorted(user_ids), "check", now=now))
    registry.forget(process_id, user_ids)
    return len(user_ids)


def _announce_all(changes):
    """Announce the real changes among `changes`, with one contacts query and one routing call per batch."""
    changed = [change for change in changes if change.changed]
    contacts = model.contact_ids_of([change.user_id for change in changed])
    events.presences_changed([(change, contacts.get(change.user_id, [])) for change in changed])


def end_idle(now=None, batch=500):
    """Re-evaluate users whose idle time has run out; returns how many were checked."""
    now = time.time() if now is None else now
    due = get_redis().zrangebyscore(key("presence", "idle"), "-inf", now, start=0, num=batch)
    _announce_all(model.update_many([int(user_id) for user_id in due], "check", now=now))
    return len(due)
