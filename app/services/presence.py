"""Presence: online / away / offline, kept in Redis across every realtime process.

The model (docs/websocket.md, "Redis keys"):
- each realtime process beats in `presence:procs` (a sorted set: process id -> last beat, unix
  seconds); a process silent for PRESENCE_TTL_SECONDS is dead, and so are its connections;
- `presence:user:<uid>` is a hash of the user's live connections, sid -> "<process id>|<active until>"
  (0 = asked to be away), plus `~status`, the status last announced to others; "active until" is
  the last heartbeat plus PRESENCE_IDLE_SECONDS of the process that received it;
- a user is online while any live connection was active within PRESENCE_IDLE_SECONDS, away while
  any connection is live, offline otherwise. Heartbeats never touch PostgreSQL.

Changes are decided atomically (one Lua script per user), so when two processes notice the same
change at once exactly one of them announces it. The verdict itself is written once, in Lua
(_VERDICT), and used both by those changes and by the read-only statuses().
"""
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased

from app.errors import NotFound
from app.extensions import db
from app.models import Participant
from app.redis_client import get_redis, key

# Hashes, sets and last-seen stamps outlive a quiet connection by this long; processes refresh
# the hashes of their own connected users well before (see realtime.presence).
KEY_TTL_SECONDS = 24 * 3600
LAST_SEEN_TTL_SECONDS = 30 * 24 * 3600

# The verdict, in one place: a user is online while a connection of a live process was active
# until later than now, away while any connection of a live process remains, offline otherwise.
# Returns the status, the latest "active until" among online connections, the fields of
# connections whose process is dead, and the last beat of those processes.
_VERDICT = """
local function verdict(user_key, procs_key, now, proc_ttl)
  local alive, online, idle_at, dead, dead_beat = false, false, 0, {}, 0
  local fields = redis.call('HGETALL', user_key)
  for i = 1, #fields, 2 do
    local field, value = fields[i], fields[i + 1]
    if field ~= '~status' then
      local bar = string.find(value, '|', 1, true)
      local active_until = tonumber(string.sub(value, bar + 1))
      local beat = tonumber(redis.call('ZSCORE', procs_key, string.sub(value, 1, bar - 1)) or '0')
      if beat >= now - proc_ttl then
        alive = true
        if active_until > now then
          online = true
          if active_until > idle_at then idle_at = active_until end
        end
      else
        dead[#dead + 1] = field
        if beat > dead_beat then dead_beat = beat end
      end
    end
  end
  local status = 'offline'
  if online then status = 'online' elseif alive then status = 'away' end
  return status, idle_at, dead, dead_beat
end
"""

# Apply one operation to a user and record the outcome.
# KEYS: user hash, procs zset, last-seen key, idle zset
# ARGV: uid, now, proc_ttl, idle, op (touch|remove|leave|check), sid, proc, mode (online|away), key ttl, seen ttl
# Returns {new status, old status, last seen (string)}.
_REFRESH = _VERDICT + """
local now, proc_ttl, idle = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local op, sid = ARGV[5], ARGV[6]
local seen = 0
if op == 'touch' then
  local active = now + idle
  if ARGV[8] == 'away' then active = 0 end
  redis.call('HSET', KEYS[1], sid, ARGV[7] .. '|' .. active)
elseif op == 'remove' then
  if redis.call('HDEL', KEYS[1], sid) == 1 then seen = now end
elseif op == 'leave' then
  local fields, mine = redis.call('HGETALL', KEYS[1]), ARGV[7] .. '|'
  for i = 1, #fields, 2 do
    if string.sub(fields[i + 1], 1, #mine) == mine and fields[i] ~= '~status' then
      redis.call('HDEL', KEYS[1], fields[i])
      seen = now
    end
  end
end
local status, idle_at, dead, dead_beat = verdict(KEYS[1], KEYS[2], now, proc_ttl)
for _, field in ipairs(dead) do redis.call('HDEL', KEYS[1], field) end
if dead_beat > seen then seen = dead_beat end
local old = redis.call('HGET', KEYS[1], '~status') or 'offline'
if status == 'offline' then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[4], ARGV[1])
  if old ~= 'offline' then
    if seen == 0 then seen = now - proc_ttl end
    redis.call('SET', KEYS[3], tostring(seen), 'EX', ARGV[10])
  end
else
  redis.call('HSET', KEYS[1], '~status', status)
  redis.call('EXPIRE', KEYS[1], ARGV[9])
  if status == 'online' then
    redis.call('ZADD', KEYS[4], idle_at, ARGV[1])
    redis.call('EXPIRE', KEYS[4], ARGV[9])
  else
    redis.call('ZREM', KEYS[4], ARGV[1])
  end
end
return {status, old, redis.call('GET', KEYS[3]) or ''}
"""

# Read the statuses of several users, changing nothing.
# KEYS: procs zset, then one user hash per user; ARGV: now, proc_ttl. Returns one status per user.
_STATUSES = _VERDICT + """
local now, proc_ttl = tonumber(ARGV[1]), tonumber(ARGV[2])
local result = {}
for i = 2, #KEYS do
  result[i - 1] = (verdict(KEYS[i], KEYS[1], now, proc_ttl))
end
return result
"""


@dataclass
class Change:
    """The outcome of one presence update; `changed` says whether others must be told."""

    user_id: int
    status: str
    previous: str
    last_seen_at: datetime | None

    @property
    def changed(self):
        return self.status != self.previous


def _settings():
    config = current_app.config
    return config["PRESENCE_TTL_SECONDS"], config["PRESENCE_IDLE_SECONDS"]


def _script(name, source):
    scripts = current_app.extensions.setdefault("presence_scripts", {})
    if name not in scripts:
        scripts[name] = get_redis().register_script(source)
    return scripts[name]


def _stamp(value):
    return datetime.fromtimestamp(float(value), UTC) if value else None


def update(user_id, op, *, sid="", process_id="", mode="online", now=None):
    """Apply one presence operation for a user and return the resulting Change.

    op: "touch" (a connection of `process_id` is alive; mode online|away sets its activity),
    "remove" (connection `sid` closed), "leave" (every connection of `process_id` closed: it is
    going away) or "check" (re-evaluate lapsed processes and idle time).
    """
    return _change(user_id, _script("refresh", _REFRESH)(**_refresh_call(user_id, op, sid, process_id, mode, now)))


def update_many(user_ids, op, *, process_id="", now=None, batch=500):
    """`update` for each of `user_ids` ("leave" or "check"), pipelined, `batch` users per round
    trip; returns their Changes, in order."""
    now = time.time() if now is None else now
    refresh, user_ids, changes = _script("refresh", _REFRESH), list(user_ids), []
    for start in range(0, len(user_ids), batch):
        chunk = user_ids[start:start + batch]
        pipe = get_redis().pipeline(transaction=False)
        for user_id in chunk:
            refresh(**_refresh_call(user_id, op, "", process_id, "online", now), client=pipe)
        changes += [_change(user_id, outcome) for user_id, outcome in zip(chunk, pipe.execute())]
    return changes


def _refresh_call(user_id, op, sid, process_id, mode, now):
    proc_ttl, idle = _settings()
    return {"keys": [key("presence", "user", user_id), key("presence", "procs"), key("presence", "seen", user_id),
                     key("presence", "idle")],
            "args": [user_id, time.time() if now is None else now, proc_ttl, idle, op, sid, process_id, mode,
                     KEY_TTL_SECONDS, LAST_SEEN_TTL_SECONDS]}


def _change(user_id, outcome):
    status, previous, seen = outcome
    return Change(int(user_id), status, previous, _stamp(seen) if status == "offline" else None)


def statuses(user_ids):
    """{user_id: "online" | "away" | "offline"}, read-only and correct even if no realtime process runs."""
    user_ids = list(dict.fromkeys(int(uid) for uid in user_ids))
    if not user_ids:
        return {}
    proc_ttl, _ = _settings()
    found = _script("statuses", _STATUSES)(
        keys=[key("presence", "procs"), *(key("presence", "user", uid) for uid in user_ids)],
        args=[time.time(), proc_ttl])
    return dict(zip(user_ids, found))


def last_seen(user_ids):
    """{user_id: datetime of going offline, or None if never seen offline (within 30 days)}."""
    user_ids = list(dict.fromkeys(int(uid) for uid in user_ids))
    if not user_ids:
        return {}
    values = get_redis().mget([key("presence", "seen", uid) for uid in user_ids])
    return {uid: _stamp(value) for uid, value in zip(user_ids, values)}


@dataclass
class Presence:
    user_id: int
    status: str
    last_seen_at: datetime | None


def presence_of(user_ids):
    """{user_id: Presence}; last_seen_at is only given for offline users."""
    current = statuses(user_ids)
    seen = last_seen([uid for uid, status in current.items() if status == "offline"])
    return {uid: Presence(uid, status, seen.get(uid)) for uid, status in current.items()}


# Built once: constructing aliased selects per call cost more CPU than running them (py-spy, bench).
_mine, _theirs = aliased(Participant), aliased(Participant)
_SHARED = (select(_mine.conversation_id)
           .join(_theirs, _theirs.conversation_id == _mine.conversation_id)
           .where(_mine.user_id == bindparam("user_id"), _theirs.user_id == bindparam("other_id")).limit(1))


_CONTACTS = (select(_mine.user_id, _theirs.user_id).distinct()
             .join(_theirs, _theirs.conversation_id == _mine.conversation_id)
             .where(_mine.user_id.in_(bindparam("user_ids", expanding=True)), _theirs.user_id != _mine.user_id))


def contact_ids(user_id):
    """Everyone who shares at least one conversation with `user_id` (not the user)."""
    return contact_ids_of([user_id]).get(user_id, [])


def contact_ids_of(user_ids, batch=1000):
    """{user_id: the ids of everyone who shares a conversation with them} for each of `user_ids`
    that has any, `batch` users per query."""
    user_ids, contacts = list(user_ids), {}
    for start in range(0, len(user_ids), batch):
        for user_id, contact_id in db.session.execute(_CONTACTS, {"user_ids": user_ids[start:start + batch]}):
            contacts.setdefault(user_id, []).append(contact_id)
    return contacts


def shares_conversation(user_id, other_id):
    return db.session.scalar(_SHARED, {"user_id": user_id, "other_id": other_id}) is not None


def visible_presence(viewer_id, user_id):
    """A user's presence for a viewer who shares a conversation with them (or is them). Raises NotFound."""
    if viewer_id != user_id and not shares_conversation(viewer_id, user_id):
        raise NotFound("user not found")
    return presence_of([user_id])[user_id]


def attach_presence(summary):
    """Give each participant of a conversation summary a `presence` (what its detail view shows)."""
    participants = summary.participants
    current = presence_of([p.user_id for p in participants])
    for participant in participants:
        participant.presence = current[participant.user_id]
    return summary


def online_count(now=None):
    """How many users are online (not away) right now, across every realtime process."""
    return get_redis().zcount(key("presence", "idle"), f"({time.time() if now is None else now}", "+inf")
