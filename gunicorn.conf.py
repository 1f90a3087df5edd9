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
import shutil
import signal
import tempfile

import log_format
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
# SIGTERM: finish requests (and, in socket-serving processes, leave as app/realtime/shutdown.py
# says) within this many seconds, then the worker is killed.
graceful_timeout = 20
# No control socket (gunicornc): its default path, ~/.gunicorn/gunicorn.ctl, is one per user, so
# every instance on a host (the api and realtime processes, the tests' servers) would take it over
# from the one before. Orchestrators and operators use signals (SIGTERM, SIGHUP, TTIN/TTOU).
control_socket_disable = True
# Every line, the master's and the workers', in the one format of log_format.py. The app logs each
# HTTP request itself, with its route and request id (app/request_observer.py), and Socket.IO
# connections their connects and disconnects: Gunicorn's access line would say it twice.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict = log_format.logging_config((os.environ.get("LOG_FORMAT") or "json").strip().lower(),
                                           loglevel.upper(), role)


def on_starting(server):
    """Give this master's workers a fresh directory of their own for Prometheus metrics.

    prometheus_client's multiprocess mode: each worker writes its figures to files in
    PROMETHEUS_MULTIPROC_DIR and GET /metrics adds up those of every worker, dead ones included
    (counters never go down). The directory must be empty at start and used by one master only,
    so it is made here (under TMPDIR), before any worker exists, and removed at exit.
    Workers import prometheus_client after this, so they see the variable.
    """
    directory = tempfile.mkdtemp(prefix=f"messaging-metrics-{role}-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    server.log.info("metrics directory %s", directory)


def child_exit(server, worker):
    """A worker is gone: its live gauges (connections open, requests in flight) stop counting."""
    from prometheus_client import multiprocess  # here: the master must not load it before on_starting

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def post_worker_init(worker):
    """Socket-serving workers hide their start-up state from the garbage collector and leave
    gracefully on SIGTERM."""
    if serves_sockets:
        _freeze_startup_objects()
        _leave_on_sigterm(worker)


def _freeze_startup_objects():
    """Move everything loaded so far out of the garbage collector's sight.

    Full collections walk every tracked object; with the app, SQLAlchemy and thousands of
    connections in memory those pauses reached 100 ms+ and set the delivery tail (bench/RESULTS.md).
    Frozen objects are never collected, so only long-lived start-up state is frozen, once.
    """
    gc.collect()
    gc.freeze()


_leaving = None  # the greenlet of app.realtime.shutdown.leave, once SIGTERM came


def _leave_on_sigterm(worker):
    """On SIGTERM, do what Gunicorn does (stop accepting connections, wait for open ones to end)
    and meanwhile leave gracefully: app/realtime/shutdown.py closes the sockets, which lets the
    worker end within seconds instead of waiting graceful_timeout for clients that never hang up."""
    import gevent  # the worker has patched everything by now

    from app.extensions import socketio
    from app.realtime import shutdown

    if socketio.server is None:  # another app under this file (bench/relay.py): Gunicorn's own SIGTERM
        return

    def handle_term(signum, frame):
        global _leaving
        worker.alive = False
        if _leaving is None:
            _leaving = gevent.spawn(shutdown.leave, worker.wsgi)

    signal.signal(signal.SIGTERM, handle_term)


def worker_exit(server, worker):
    """Gunicorn is done with the worker's connections: let leaving finish (presence) before it exits."""
    if _leaving is not None:
        _leaving.join(timeout=graceful_timeout)
