"""Background jobs on Huey + Redis. Run the consumer with `huey_consumer tasks.huey`.

The Huey instance is built at import from REDIS_URL / REDIS_KEY_PREFIX only; the Flask app a
task needs is created lazily, once per process, the first time it is needed (tasks.context):
in the consumer, as it starts (tasks.consumer). Importing this package never builds an app.
"""
import sys
from pathlib import Path

from huey import RedisHuey
from huey.storage import RedisExpireStorage

import log_format
from app.config import huey_settings
from app.redis_client import blocking_pool

# How long Huey keeps a task's return value (we keep our own bounded history in tasks.history).
RESULT_TTL_SECONDS = 24 * 3600
# The consumer's exit status when a setting is malformed (a supervisor should not just restart it).
CONFIGURATION_ERROR = 4


class PrefixedRedisStorage(RedisExpireStorage):
    """Huey's Redis storage with every key under our REDIS_KEY_PREFIX ("msg:huey:queue", ...).

    Results and locks are plain keys with a TTL (RedisExpireStorage), so they work on any
    Redis version and never pile up. The consumer's scheduler reads the schedule every second:
    each read Redis answers touches `heartbeat_file`, whose age tells the worker's health check
    (deploy/healthcheck.py) that the consumer is alive and reaches its queue.
    """

    def __init__(self, name, heartbeat_file, **kwargs):
        super().__init__(name, clean_name=False, expire_time=RESULT_TTL_SECONDS, **kwargs)
        self.heartbeat_file = Path(heartbeat_file)
        self.queue_key = f"{name}:queue"
        self.schedule_key = f"{name}:schedule"
        self.notify_prefix = f"{name}:notify:"
        self.result_prefix = result_prefix = f"{name}:result:".encode()
        self.counter_prefix = counter_prefix = f"{name}:counter:".encode()
        self.result_key = lambda k: result_prefix + (k if isinstance(k, bytes) else k.encode())
        self.counter_key = lambda k: counter_prefix + (k if isinstance(k, bytes) else k.encode())

    def read_schedule(self, timestamp):
        due = super().read_schedule(timestamp)
        self.heartbeat_file.touch()
        return due


class MessagingHuey(RedisHuey):
    def execute(self, task, timestamp=None):
        """Run `task` with its id and name on every line logged meanwhile (Huey's own, ours, the task's)."""
        context = log_format.bind(job_id=task.id, task=task.name)
        try:
            return super().execute(task, timestamp)
        finally:
            log_format.unbind(context)

    def create_consumer(self, **options):
        """Called by `huey_consumer` only, before the consumer starts: its logs and metrics (tasks.consumer).
        A malformed setting stops it here with one line naming the variable, as the web processes do (wsgi.py)."""
        from app.config import SettingError
        from tasks import consumer  # here: it builds the app, which imports this package

        try:
            consumer.prepare()
        except SettingError as exc:
            print(f"configuration error: {exc}", file=sys.stderr, flush=True)
            sys.exit(CONFIGURATION_ERROR)
        return super().create_consumer(**options)


def _build_huey():
    settings = huey_settings()
    # Through app/redis_client.py, so the consumer reaches Redis however REDIS_URL names it (Sentinel
    # too). The read timeout outlasts the consumer's 1 s blocking pops; it ends a wait on a Redis
    # that vanished without closing the connection, so the consumer reconnects (to a new primary).
    pool = blocking_pool(settings["REDIS_URL"], settings, socket_connect_timeout=2, socket_timeout=10)
    return MessagingHuey(f"{settings['REDIS_KEY_PREFIX']}huey", connection_pool=pool,
                         storage_class=PrefixedRedisStorage, heartbeat_file=settings["CONSUMER_HEARTBEAT_FILE"],
                         store_none=False, utc=True)


huey = _build_huey()

# Registering the tasks and signal handlers with `huey` (the consumer imports only this module).
from tasks import maintenance, notifications, signals  # noqa: E402,F401
