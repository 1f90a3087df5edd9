"""Typing indicators, kept in Redis so they work across realtime processes.

- `typing:<conversation id>:<user id>` holds the time of the last accepted typing_start and lapses
  after TYPING_TTL_SECONDS;
- `typing:deadlines` (sorted set "<conversation id>:<user id>" -> lapse time) lets the sweeper of
  any process announce is_typing: false when a start is not followed by a stop. Removing a member
  is the claim: whoever's ZREM returns 1 announces, so each stop is told exactly once.
Starts within a fifth of the TTL of the last accepted one are ignored (the throttle).
"""
import time

from flask import current_app

from app.redis_client import get_redis, key
from app.services import events
from app.services.conversations import participant_ids

DEADLINES_TTL_SECONDS = 24 * 3600  # the sorted set is rewritten on every start; this only bounds a leak


def _ttl():
    return current_app.config["TYPING_TTL_SECONDS"]


def relayed(participants):
    """Typing is not relayed in conversations larger than TYPING_MAX_GROUP_SIZE."""
    return len(participants) <= current_app.config["TYPING_MAX_GROUP_SIZE"]


def start(conversation_id, user_id, participants, now=None):
    """Record that the user is typing; tell the others if they did not know. Returns "started",
    "refreshed" (already typing, lapse pushed back) or "throttled" (too soon, nothing done)."""
    now = time.time() if now is None else now
    ttl = _ttl()
    redis = get_redis()
    state_key = key("typing", conversation_id, user_id)
    last = redis.get(state_key)
    if last is not None and now - float(last) < ttl / 5:
        return "throttled"
    pipe = redis.pipeline(transaction=False)
    pipe.set(state_key, repr(now), px=int(ttl * 1000))
    pipe.zadd(key("typing", "deadlines"), {f"{conversation_id}:{user_id}": now + ttl})
    pipe.expire(key("typing", "deadlines"), DEADLINES_TTL_SECONDS)
    _, added, _ = pipe.execute()
    if added:
        events.user_typing(conversation_id, user_id, True, [uid for uid in participants if uid != user_id])
        return "started"
    return "refreshed"


def stop(conversation_id, user_id, participants):
    """The user stopped typing; tell the others unless the indicator had already lapsed. Returns whether told."""
    redis = get_redis()
    pipe = redis.pipeline(transaction=False)
    pipe.zrem(key("typing", "deadlines"), f"{conversation_id}:{user_id}")
    pipe.delete(key("typing", conversation_id, user_id))
    removed, _ = pipe.execute()
    if removed:
        events.user_typing(conversation_id, user_id, False, [uid for uid in participants if uid != user_id])
    return bool(removed)


def stop_all(connection):
    """A connection (connections.Connection) closed: stop its user's typing wherever it was typing."""
    for conversation_id in connection.typing_in:
        # Its participants may have changed since (forgotten: connections.forget_participants).
        participants = connection.participants.get(conversation_id) or participant_ids(conversation_id)
        stop(conversation_id, connection.user_id, participants)


def typing_user_ids(conversation_id, participants):
    """Who is typing in the conversation right now."""
    values = get_redis().mget([key("typing", conversation_id, uid) for uid in participants])
    return [uid for uid, value in zip(participants, values) if value is not None]


def end_lapsed(now=None, batch=500):
    """Announce is_typing: false for indicators whose TTL lapsed without a stop; returns how many."""
    redis = get_redis()
    now = time.time() if now is None else now
    deadlines = key("typing", "deadlines")
    told = 0
    for member in redis.zrangebyscore(deadlines, "-inf", now, start=0, num=batch):
        if not redis.zrem(deadlines, member):
            continue  # another process claimed it, or a stop came first
        conversation_id, user_id = (int(part) for part in member.split(":"))
        others = [uid for uid in participant_ids(conversation_id) if uid != user_id]
        events.user_typing(conversation_id, user_id, False, others)
        told += 1
    return told
