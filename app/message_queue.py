"""The Socket.IO message queue on Redis: how any process reaches clients connected to another.

Events for users are routed (docs/websocket.md, "Scale-out"): every realtime process listens on a
channel of its own, `<REDIS_KEY_PREFIX>socketio:<process id>`, and the connection registry in Redis
(`presence:route:<user id>`: the ids of the processes holding connections of the user, kept
by app/realtime/registry.py) says where each recipient is. `emit_to_users` looks the recipients up and
publishes the event once per process holding at least one of them, with the list of its recipients
there, in one Lua script: one round trip and one PUBLISH per process concerned, however many
processes run. Each process emits to its local sockets only; a process holding no recipient never
hears of the event; the emitting process emits to the recipients it holds itself, without Redis.
What one action tells several audiences goes in one `EventBatch`: one script call for all of it.

python-socketio's shared channel `<prefix>socketio` is still subscribed, for what python-socketio
itself publishes there (disconnecting or moving a connection it does not find in this process);
this code base emits no event there: every event goes through `emit_to_users`.

The listener is python-socketio's RedisManager, changed where a Redis outage would lose messages
silently:
- its listener backs off 1, 2, 4, 8, 16 ... s between attempts to subscribe again, and every
  message published meanwhile reaches no one. Ours tries every RESUBSCRIBE_SECONDS;
- a process does not know it missed anything. Ours calls `on_resubscribed` once it hears its
  channels again after a gap (the realtime tier then puts its registry entries back and tells its
  clients to catch up: `resync`), and says whether it hears them now (`receiving`, for the
  readiness probe). It counts as hearing them once Redis has confirmed the subscription;
- redis-py would reconnect a subscription by itself (retries), hiding the gap: retries are off,
  so every lost connection is seen and followed by `on_resubscribed`;
- its connections come from our blocking pool (app/redis_client.py): the queue reaches Redis
  however REDIS_URL names it (its own parser reads another spelling of redis+sentinel:// and
  knows no unix:// sockets);
- it measures each event's delivery latency, from the moment a service hands it over (right after
  its commit) to its emit to this process's sockets, and counts what it could not publish or route;
- a disconnect costs O(rooms of the connection), not O(connections) (app/room_index.py);
- `before_delivery(event, payload, local_sids)` runs before an event reaches this process's
  connections (`local_sids()` lists them): the realtime tier drops what they cached of a
  conversation whose participants changed.
"""
import json
import logging
import os
import socket
import time
import uuid

import redis
from flask import current_app
from redis.backoff import NoBackoff
from redis.retry import Retry
from socketio import RedisManager

from app import metrics, outages
from app.errors import redis_pool_timeout
from app.extensions import socketio
from app.redis_client import blocking_pool, get_redis, key
from app.room_index import RoomIndex
from app.rooms import NAMESPACE, user_room

log = logging.getLogger(__name__)

# This process in the registry, in presence and in its channel's name: unique across restarts.
PROCESS_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


# How many times routing waits for a pooled Redis connection (POOL_TIMEOUT_SECONDS each) before it gives up.
ROUTE_ATTEMPTS = 3


def route_key(user_id):
    """The registry's entry for a user: the set of the ids of the processes holding their connections."""
    return key("presence", "route", user_id)


# KEYS: the route key of each recipient of each event, the events one after the other. ARGV: the
# channel of a process minus its id, the id of the calling process, the number of events N, the N
# events (JSON), how many recipients each has, then the recipients' ids in the order of KEYS.
# For each event in turn, publishes "<ids of its recipients, comma-separated>\n<event>" on the
# channel of every other process holding one of them; returns, per event, the ids of the
# recipients the calling process holds.
_ROUTE = """
local events = tonumber(ARGV[3])
local first_id = 3 + 2 * events
local here, k = {}, 0
for e = 1, events do
  local held, order = {}, {}
  for _ = 1, tonumber(ARGV[3 + events + e]) do
    k = k + 1
    for _, process in ipairs(redis.call('SMEMBERS', KEYS[k])) do
      local ids = held[process]
      if ids == nil then
        ids = {}
        held[process] = ids
        order[#order + 1] = process
      end
      ids[#ids + 1] = ARGV[first_id + k]
    end
  end
  for _, process in ipairs(order) do
    if process ~= ARGV[2] then
      redis.call('PUBLISH', ARGV[1] .. process, table.concat(held[process], ',') .. '\\n' .. ARGV[3 + e])
    end
  end
  here[e] = held[ARGV[2]] or {}
end
return here
"""


class EventBatch:
    """Events for users, routed together in one round trip to Redis (one script call) when sent,
    in the order they were added: what one action tells several audiences (a new message: the
    other participants and the sender's devices) costs one round trip, not one per event."""

    def __init__(self):
        self.events = []  # (envelope, recipient ids)

    def emit_to_users(self, event, payload, user_ids):
        """Add `event` for every connection of each of `user_ids` (see `emit_to_users`)."""
        self._add(_envelope(event, payload), user_ids)

    def _add(self, envelope, user_ids):
        user_ids = list(dict.fromkeys(user_ids))
        if user_ids:
            self.events.append((envelope, user_ids))

    def send(self):
        """Route the events. Never raises for Redis being unreachable: they are dropped, logged and
        counted, as the processes that could not hear them tell their clients to catch up. When
        no pooled connection is free, it waits for one again (`_waiting_for_a_connection`)."""
        if not self.events:
            return
        manager = socketio.server.manager
        scripts = current_app.extensions.setdefault("message_queue_scripts", {})
        if "route" not in scripts:
            scripts["route"] = get_redis().register_script(_ROUTE)
        recipients = [uid for _, user_ids in self.events for uid in user_ids]
        try:
            here = _waiting_for_a_connection(lambda: scripts["route"](
                keys=[route_key(uid) for uid in recipients],
                args=[manager.channel + ":", PROCESS_ID, len(self.events),
                      *(json.dumps(envelope) for envelope, _ in self.events),
                      *(len(user_ids) for _, user_ids in self.events), *recipients]))
        except redis.RedisError as exc:
            busy = redis_pool_timeout(exc)
            log.log(logging.ERROR if busy else logging.WARNING, "message queue: could not route %s (%s); %s",
                    ", ".join(envelope["event"] for envelope, _ in self.events), exc.__class__.__name__,
                    "no pooled Redis connection came free: clients see them at their next catch-up" if busy
                    else "its recipients' processes will resync")
            metrics.QUEUE_PUBLISH_FAILURES.inc(len(self.events))
            return
        for (envelope, _), held in zip(self.events, here):
            if held:
                manager.emit_here(held, envelope)


def _waiting_for_a_connection(call):
    """call(), made again when it failed for want of a free pooled Redis connection, up to
    ROUTE_ATTEMPTS times in all. Such a failure is no outage: nothing was sent, and every process
    still hears its channel, so none would tell its clients to resync; dropping the events would
    lose them silently until each recipient's next catch-up (bench/RESULTS.md, "Target 3")."""
    for attempt in range(1, ROUTE_ATTEMPTS + 1):
        try:
            return call()
        except redis.ConnectionError as exc:
            if not redis_pool_timeout(exc):
                raise
            metrics.REDIS_POOL_TIMEOUTS.inc()
            if attempt == ROUTE_ATTEMPTS:
                raise


def emit_to_users(event, payload, user_ids, ending=()):
    """Send `event` to every connection of each user, on whichever realtime process holds it.

    With `ending` (sids of connections of those users), only those connections receive it, and
    are then disconnected. Never raises for Redis being unreachable: the event is dropped, logged
    and counted, as the processes that could not hear it tell their clients to catch up."""
    envelope = _envelope(event, payload)
    if ending:
        manager = socketio.server.manager
        here = [sid for sid in ending if manager.is_connected(sid, NAMESPACE)]
        if here:  # connections of this process are ended without Redis
            manager.emit_here((), {**envelope, "ending": here})
        if len(here) == len(ending):
            return
        envelope["ending"] = [sid for sid in ending if sid not in here]
    batch = EventBatch()
    batch._add(envelope, user_ids)
    batch.send()


def _envelope(event, payload):
    # The moment the service hands the event over (right after its commit) travels with it.
    return {"event": event, "data": payload, "handed_over_at": time.time()}


class MessageQueue(RoomIndex, RedisManager):
    RESUBSCRIBE_SECONDS = 0.5

    def __init__(self, url, channel, config, on_resubscribed, before_delivery):
        super().__init__(url, channel=channel)
        self.process_channel = f"{channel}:{PROCESS_ID}"
        self.config = config
        self.on_resubscribed = on_resubscribed
        self.before_delivery = before_delivery
        self.listening = False  # only processes that serve Socket.IO listen (from their first connection)
        self.subscribed = False

    @property
    def receiving(self):
        """None in a process that only publishes; else whether it hears the queue right now."""
        return self.subscribed if self.listening else None

    def wait_until_receiving(self, timeout):
        """Whether this process hears its channel, waiting up to `timeout` seconds for it (the first
        connection of a process starts the listener)."""
        deadline = time.monotonic() + timeout
        while not self.subscribed and time.monotonic() < deadline:
            self.server.sleep(0.01)
        return self.subscribed

    def emit_here(self, user_ids, envelope):
        """Emit a routed event (see `emit_to_users`) to this process's connections of `user_ids`;
        or, when it is `ending` connections, to those of them held here, which are then disconnected.
        `before_delivery` runs first; the delivery latency is observed after."""
        self._emit_locally(envelope["event"], envelope["data"], user_ids, envelope.get("ending"))
        metrics.DELIVERY_LATENCY.labels(envelope["event"]).observe(max(time.time() - envelope["handed_over_at"], 0))

    def _emit_locally(self, event, data, user_ids, ending):
        if ending:
            sids = [sid for sid in ending if self.is_connected(sid, NAMESPACE)]
            self.before_delivery(event, data, lambda: sids)
            for sid in sids:
                self.emit(event, data, namespace=NAMESPACE, room=sid, ignore_queue=True)
                self.server.disconnect(sid, namespace=NAMESPACE, ignore_queue=True)
        else:
            rooms = [user_room(uid) for uid in user_ids]
            self.before_delivery(event, data, lambda: [
                sid for room in rooms for sid, _ in self.get_participants(NAMESPACE, room)])
            self.emit(event, data, namespace=NAMESPACE, room=rooms, ignore_queue=True)

    def _deliver(self, message):
        """A message on this process's channel: "<recipient ids>\\n<event>" (the Lua script above)."""
        try:
            header, _, body = message.partition(b"\n")
            self.emit_here(header.decode().split(","), json.loads(body))
        except Exception:
            log.exception("message queue: a routed event could not be delivered")

    def _publish(self, data):
        published = super()._publish(data)
        if published is None:  # RedisManager logged it ("giving up") and dropped it
            metrics.QUEUE_PUBLISH_FAILURES.inc()
        return published

    def _redis_connect(self):
        # No socket timeout: the subscription is quiet for as long as nobody sends anything.
        pool = blocking_pool(self.redis_url, self.config, socket_connect_timeout=2, retry=Retry(NoBackoff(), 0))
        self.redis = redis.Redis(connection_pool=pool)
        self.pubsub = self.redis.pubsub()
        self.connected = True

    def _redis_listen_with_retries(self):
        """Every message of both channels, subscribing again after any failure."""
        self.listening = True
        own = self.process_channel.encode()
        missed = False
        pubsub = None
        while True:
            try:
                if pubsub is None:
                    self._redis_connect()
                    pubsub = self.pubsub
                    pubsub.subscribe(self.channel, self.process_channel)
                for message in pubsub.listen():
                    if message["type"] != "subscribe":
                        yield message
                    elif message["channel"] == own:  # confirmed last: both channels are heard from now on
                        self.subscribed = True
                        if missed:
                            log.warning("message queue: subscribed again")
                            self.server.start_background_task(self.on_resubscribed)
            except Exception as exc:
                if self.subscribed:
                    log.warning("message queue: subscription lost (%s); retrying every %s s",
                                exc.__class__.__name__, self.RESUBSCRIBE_SECONDS)
                    outages.lost("redis", exc)
                self.subscribed = False
                missed = True
                if pubsub is not None:
                    pubsub.close()
                    pubsub = None
                time.sleep(self.RESUBSCRIBE_SECONDS)

    def _listen(self):
        """python-socketio's messages (the shared channel), after delivering the routed ones."""
        own, shared = self.process_channel.encode(), self.channel.encode()
        for message in self._redis_listen_with_retries():
            if message["type"] != "message":
                continue
            if message["channel"] == own:
                self._deliver(message["data"])
            elif message["channel"] == shared:
                yield message["data"]
