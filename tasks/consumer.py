"""What the job consumer (`huey_consumer tasks.huey`) sets up before it starts.

- Logging: huey_consumer gives its "huey" logger a handler of its own (and the level of -v/-q);
  every line, Huey's included, goes instead through the one format of log_format.py.
- Metrics: GET /metrics on METRICS_BIND (host:port; unset: none), behind METRICS_TOKEN like the
  Gunicorn roles' (app/metrics_endpoint.py): the jobs' runs and durations, push deliveries, and
  the deployment's figures read at scrape time (tasks/metrics.py). A port that cannot be bound
  stops the consumer at start.
"""
import logging
import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from socketserver import ThreadingMixIn

import log_format
from app import metrics_endpoint
from tasks.context import flask_app
from tasks.metrics import DeploymentCollector

log = logging.getLogger(__name__)


def prepare():
    huey_logger = logging.getLogger("huey")
    for handler in list(huey_logger.handlers):
        huey_logger.removeHandler(handler)
    log_format.configure(role="worker")
    app = flask_app()
    if app.config["METRICS_BIND"]:
        serve_metrics(app.config["METRICS_BIND"], app.config["METRICS_TOKEN"])


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        """Scrapes are not logged (nor are the Gunicorn roles')."""


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def serve_metrics(bind, token):
    """Serve GET /metrics on `bind` (host:port) in a background thread."""
    host, _, port = bind.rpartition(":")
    collector = DeploymentCollector()
    endpoint = metrics_endpoint.exposition(token, lambda: metrics_endpoint.process_registry(collector))
    server = make_server(host, int(port), endpoint, server_class=_ThreadingServer,
                         handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    log.info("metrics served", extra={"bind": bind, "path": metrics_endpoint.PATH})
