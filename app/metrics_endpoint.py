"""GET /metrics: the Prometheus exposition, for a scraper that presents METRICS_TOKEN.

Without METRICS_TOKEN configured the endpoint answers 404, as if it did not exist: metrics are
never open by default. With it, a request without `Authorization: Bearer <METRICS_TOKEN>` gets 401.
The Gunicorn roles serve it at /metrics beside the app (outside Flask: a scrape is neither logged
nor counted as a request); the job consumer on METRICS_BIND (tasks/metrics.py).
"""
import hmac
import json
import os

from prometheus_client import REGISTRY, CollectorRegistry, make_wsgi_app
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from app.errors import error_body

PATH = "/metrics"


def process_registry(*collectors):
    """This process's figures (every Gunicorn worker's, in multiprocess mode) plus `collectors`,
    which are read at scrape time."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(REGISTRY)
    for collector in collectors:
        registry.register(collector)
    return registry


def _refusal(start_response, status, code, message, headers=()):
    body = json.dumps({"error": error_body(code, message)}).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *headers])
    return [body]


def exposition(token, registry):
    """The WSGI app of the endpoint: `registry()` gives the registry to expose, per scrape."""

    def metrics_app(environ, start_response):
        if not token:
            return _refusal(start_response, "404 NOT FOUND", "not_found",
                            "metrics are served only with METRICS_TOKEN set (docs/runbook.md)")
        presented = environ.get("HTTP_AUTHORIZATION", "").encode("latin-1")
        if not hmac.compare_digest(presented, f"Bearer {token}".encode()):
            return _refusal(start_response, "401 UNAUTHORIZED", "unauthorized", "a bearer token (METRICS_TOKEN) is required",
                            [("WWW-Authenticate", "Bearer")])
        return make_wsgi_app(registry())(environ, start_response)

    return metrics_app


class RealtimeCollector:
    """What one Socket.IO process holds, read at scrape time: its connections, and whether it hears
    the Redis message queue (only once it listens: from its first connection; never in the api role)."""

    def __init__(self, connections, message_queue):
        self.connections = connections
        self.message_queue = message_queue

    def collect(self):
        yield GaugeMetricFamily("messaging_socketio_connections", "Socket.IO connections open in this process",
                                value=len(self.connections.by_sid))
        receiving = self.message_queue.receiving
        if receiving is not None:
            yield GaugeMetricFamily("messaging_socketio_queue_subscribed",
                                    "Whether this Socket.IO process hears the Redis message queue (1) or not (0)",
                                    value=int(receiving))
