"""Gunicorn settings. ROLE picks the process shape:

- api:      the REST API, several gevent workers. Emits to Socket.IO clients through Redis.
- realtime: Socket.IO (/socket.io/, namespace /messaging) with one gevent-websocket worker per
            process, as Flask-SocketIO requires; scale by running more processes behind a
            load balancer with sticky sessions. They share state only through Redis and PostgreSQL.
- dev:      what `make run` starts: one gevent-websocket process serving REST and Socket.IO on port 3000.
"""
import gc
import multiprocessing
import os

from http_workers import LIMIT_REQUEST_FIELD_SIZE, LIMIT_REQUEST_FIELDS, LIMIT_REQUEST_LINE

role = os.environ.get("ROLE", "api")
if role not in ("api", "realtime", "dev"):
    raise SystemExit(f"ROLE must be api, realtime or dev, not {role!r}")
serves_sockets = role in ("realtime", "dev")

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '3000')}")
# Both answer requests that never reach Flask with the API's JSON error body (http_workers.py).
if serves_sockets:
    worker_class = "http_workers.RealtimeWorker"  # gevent-websocket, for Socket.IO's WebSocket transport
    workers = 1  # Socket.IO sessions live in one process's memory: one worker per process
else:
    worker_class = "http_workers.ApiWorker"  # gevent
    workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
# The same on every role (the realtime workers' request line limit is gevent's): docs/api.md, Limits.
limit_request_line = LIMIT_REQUEST_LINE
limit_request_fields = LIMIT_REQUEST_FIELDS
limit_request_field_size = LIMIT_REQUEST_FIELD_SIZE
# Each WebSocket holds a worker connection for its whole life.
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", 25000 if serves_sockets else 1000))
graceful_timeout = 20
# Socket.IO connections log their own connect/disconnect lines; per-request lines would be noise.
accesslog = None if role == "realtime" else "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Neither headers (Authorization) nor query strings (search terms) reach the access log: the
# request is logged as method, path and protocol.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'


def post_worker_init(worker):
    """In socket-serving workers, move everything loaded so far out of the garbage collector's sight.

    Full collections walk every tracked object; with the app, SQLAlchemy and thousands of
    connections in memory those pauses reached 100 ms+ and set the delivery tail (bench/RESULTS.md).
    Frozen objects are never collected, so only long-lived start-up state is frozen, once.
    """
    if serves_sockets:
        gc.collect()
        gc.freeze()
