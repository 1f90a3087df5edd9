"""Every HTTP request Flask handles gets an id, one log line and its place in the metrics.

The id: the X-Request-ID a trusted proxy sent (TRUSTED_PROXIES > 0; a short token of letters,
digits and `-_.:` only), else a new one. It is bound to every log line of the request
(log_format.bind), returned in the X-Request-ID response header, and put in the body of 5xx
answers (app/errors.py), so a user's report can be matched to the log.
The line ("http request"): method, route template, status, duration, client address and request
id; never the query string (search terms) or headers (tokens). The probes and /metrics are
logged at DEBUG only. Socket.IO's own requests (/socket.io/) never reach Flask: Socket.IO has
its own lines and metrics.
"""
import logging
import re
import time
import uuid

from flask import request

import log_format
from app import metrics

log = logging.getLogger("app.requests")

HEADER = "X-Request-ID"
ENVIRON_KEY = "messaging.request_id"
ROUTE_KEY = "messaging.route"
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
QUIET_ROUTES = frozenset({"/health", "/health/ready"})


def request_id():
    """The id of the request being handled, or None outside one."""
    return log_format.bound("request_id")


def note_route(app):
    """Have Flask tell the observer which route template handled each request."""

    @app.teardown_request
    def remember_route(exc):
        request.environ[ROUTE_KEY] = request.url_rule.rule if request.url_rule else "unmatched"


class RequestObserver:
    """WSGI middleware around Flask: the request id, the request line and the HTTP metrics."""

    def __init__(self, wsgi_app, trust_forwarded_id):
        self.wsgi_app = wsgi_app
        self.trust_forwarded_id = trust_forwarded_id

    def _id(self, environ):
        forwarded = environ.get("HTTP_X_REQUEST_ID", "")
        if self.trust_forwarded_id and _ACCEPTED_ID.fullmatch(forwarded):
            return forwarded
        return uuid.uuid4().hex

    def __call__(self, environ, start_response):
        rid = environ[ENVIRON_KEY] = self._id(environ)
        token = log_format.bind(request_id=rid)
        started = time.perf_counter()
        answered = []

        def start(status, headers, exc_info=None):
            answered.append(int(status.split(" ", 1)[0]))
            headers.append((HEADER, rid))
            return start_response(status, headers, exc_info)

        metrics.HTTP_REQUESTS_IN_FLIGHT.inc()
        try:
            return self.wsgi_app(environ, start)
        finally:
            metrics.HTTP_REQUESTS_IN_FLIGHT.dec()
            self._record(environ, answered[0] if answered else 500, time.perf_counter() - started)
            log_format.unbind(token)

    @staticmethod
    def _record(environ, status, duration):
        route, method = environ.get(ROUTE_KEY, "unmatched"), environ.get("REQUEST_METHOD", "")
        metrics.HTTP_REQUEST_DURATION.labels(route, method, str(status)).observe(duration)
        level = logging.DEBUG if route in QUIET_ROUTES else logging.INFO
        log.log(level, "http request", extra={
            "method": method, "route": route, "path": environ.get("PATH_INFO", ""), "status": status,
            "duration_s": round(duration, 4), "client": environ.get("REMOTE_ADDR")})
