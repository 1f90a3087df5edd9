"""The Socket.IO message queue on Redis: how any process reaches clients connected to another.

python-socketio's RedisManager, changed where a Redis outage would lose messages silently:
- its listener backs off 1, 2, 4, 8, 16 ... s between attempts to subscribe again, and every
  message published meanwhile reaches no one. Ours tries every RESUBSCRIBE_SECONDS;
- a process does not know it missed anything. Ours calls `on_resubscribed` once it hears the
  queue again after a gap (the realtime tier then tells its clients to catch up: `resync`), and
  says whether it hears the queue now (`receiving`, for the readiness probe);
- redis-py would reconnect a subscription by itself (retries), hiding the gap: retries are off,
  so every lost connection is seen and followed by `on_resubscribed`;
- its connections come from our blocking pool (app/redis_client.py): a burst of emits waits for
  a free connection instead of failing with MaxConnectionsError, and the queue reaches Redis
  however REDIS_URL names it (its own parser reads another spelling of redis+sentinel:// and
  knows no unix:// sockets);
- it measures each event's delivery latency, from the moment a service hands it over (right after
  its commit) to its emit to this process's sockets, and counts what it could not publish;
- `before_delivery(event, payload, local_sids)` runs before an event reaches this process's
  connections (`local_sids()` lists them): the realtime tier drops what they cached of a
  conversation whose participants changed.
"""
import logging
import time

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from socketio import RedisManager

from app import metrics, outages
from app.redis_client import blocking_pool

log = logging.getLogger(__name__)


class MessageQueue(RedisManager):
    RESUBSCRIBE_SECONDS = 0.5

    def __init__(self, url, channel, config, on_resubscribed, before_delivery):
        super().__init__(url, channel=channel)
        self.config = config
        self.on_resubscribed = on_resubscribed
        self.before_delivery = before_delivery
        self.listening = False  # only processes that serve Socket.IO listen (from their first connection)
        self.subscribed = False

    @property
    def receiving(self):
        """None in a process that only publishes; else whether it hears the queue right now."""
        return self.subscribed if self.listening else None

    def _handle_emit(self, message):
        # The dict is handled here first, then published as is: the stamp travels with it.
        handed_over = message.setdefault("handed_over_at", time.time())
        # Every emit, published here or by another process, reaches this process's connections here.
        data = message["data"]
        if len(data) == 1 and isinstance(data[0], dict):
            self.before_delivery(message["event"], data[0], lambda: [
                sid for sid, _ in self.get_participants(message["namespace"], message["room"])])
        super()._handle_emit(message)
        if self.listening:  # processes that only publish have no sockets to deliver to
            metrics.DELIVERY_LATENCY.labels(message["event"]).observe(max(time.time() - handed_over, 0))

    def _publish(self, data):
        published = super()._publish(data)
        if published is None:  # RedisManager logged it ("giving up") and dropped it
            metrics.QUEUE_PUBLISH_FAILURES.inc()
        return published

    def _redis_connect(self):
        # No socket timeout: the subscription is quiet for as long as nobody sends anything.
        pool = blocking_pool(self.redis_url, self.config, socket_connect_timeout=2, retry=Retry(NoBackoff(), 0))
        self.redis = redis.Redis(connection_pool=pool)
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self.connected = True

    def _redis_listen_with_retries(self):
        self.listening = True
        missed = False
        pubsub = None
        while True:
            try:
                if not self.subscribed:
                    previous, pubsub = pubsub, None
                    if previous is not None:
                        previous.close()
                    self._redis_connect()
                    pubsub = self.pubsub
                    pubsub.subscribe(self.channel)
                    self.subscribed = True
                    if missed:
                        log.warning("message queue: subscribed again")
                        self.server.start_background_task(self.on_resubscribed)
                yield from pubsub.listen()
            except Exception as exc:
                if self.subscribed:
                    log.warning("message queue: subscription lost (%s); retrying every %s s",
                                exc.__class__.__name__, self.RESUBSCRIBE_SECONDS)
                    outages.lost("redis", exc)
                self.subscribed = False
                missed = True
                time.sleep(self.RESUBSCRIBE_SECONDS)
