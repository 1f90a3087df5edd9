"""The deployment's figures, read from Redis each time the job consumer's /metrics is scraped:
Redis itself, the job queue, the last success of each job, users online.

They are the same whichever process reads them, so one process exports them: the consumer (one
per deployment; with several, the rules and dashboard take the max). When Redis cannot be read,
only messaging_redis_up (0) is exported.
"""
from prometheus_client.core import GaugeMetricFamily

from app import outages
from app.errors import REDIS_ERRORS
from app.redis_client import get_redis
from app.services import presence
from tasks import history, huey
from tasks.admin import TASK_NAMES
from tasks.context import app_context


def _gauge(name, documentation, value):
    return GaugeMetricFamily(name, documentation, value=value)


class DeploymentCollector:
    def collect(self):
        with app_context():
            try:
                figures = list(self._figures())
            except REDIS_ERRORS as exc:
                outages.lost("redis", exc)
                figures = []
        yield _gauge("messaging_redis_up", "Whether the job consumer could read Redis at this scrape", int(bool(figures)))
        yield from figures

    @staticmethod
    def _figures():
        info = get_redis().info()
        yield _gauge("messaging_redis_used_memory_bytes", "Memory Redis uses (INFO used_memory)", info["used_memory"])
        yield _gauge("messaging_redis_maxmemory_bytes", "Redis' memory limit (INFO maxmemory; 0: none)",
                     info.get("maxmemory", 0))
        yield _gauge("messaging_redis_connected_clients", "Connections to Redis, from every process",
                     info["connected_clients"])
        depth = GaugeMetricFamily("messaging_job_queue_depth", "Jobs waiting: pending (due now) or scheduled (later)",
                                  labels=["state"])
        depth.add_metric(["pending"], huey.pending_count())
        depth.add_metric(["scheduled"], huey.scheduled_count())
        yield depth
        last = GaugeMetricFamily("messaging_job_last_success_timestamp_seconds",
                                 "When each job last succeeded (Unix time); absent until it first has",
                                 labels=["task"])
        for name, finished_at in history.last_successes(TASK_NAMES).items():
            last.add_metric([name], finished_at)
        yield last
        yield _gauge("messaging_presence_users_online", "Users online (not away) on any realtime process",
                     presence.online_count())
