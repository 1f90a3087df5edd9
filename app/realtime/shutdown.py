"""Leaving on SIGTERM (a rolling restart, a scale-down) so that no client's work is lost and every
client is back, on another process, within seconds.

Gunicorn closes the listening socket (gunicorn.conf.py calls `leave` from its SIGTERM handler);
meanwhile `leave`:
1. refuses new work: a new Engine.IO session gets HTTP 503 (nginx tries the next process:
   deploy/nginx.conf), a Socket.IO connect that still arrives is refused, and events are answered
   with service_unavailable, an error the client retries (after reconnecting, on another process);
2. lets the events already running finish, so their acknowledgements go out;
3. ends every connection at the transport level, without Engine.IO's close packet: clients take it
   for a lost connection and reconnect through the load balancer (a close packet tells
   python-socketio clients not to);
4. then, for all of them at once: stops their typing, marks each of their users offline unless
   connected elsewhere (announced to their contacts at once rather than when this process's beat
   lapses), takes this process out of presence, so no other process waits for its beat to lapse,
   and forgets their tokens' sockets. One disconnect at a time, each with its own round trips
   and contacts query, took 5,000 connections longer than Gunicorn's graceful timeout (20 s), and
   the process was killed with most users still online; in bulk it is pipelined, one contacts
   query and one routing call per few hundred users (bench/RESULTS.md, "Target 3").
"""
import json
import logging
import time
from urllib.parse import parse_qs

from app import metrics
from app.errors import ServiceUnavailable
from app.extensions import db, socketio
from app.realtime import connections, presence, typing

log = logging.getLogger(__name__)

# How long running events may take to finish before the connections are closed anyway (a
# statement timeout is 15 s; an event that slow has its client retrying already).
IN_FLIGHT_WAIT_SECONDS = 10


class Leaving:
    """This process's shutdown state: whether it is leaving, and how many events are running."""

    def __init__(self):
        self.started = False
        self.in_flight = 0

    def check_open(self):
        """Raise ServiceUnavailable once the process is leaving."""
        if self.started:
            raise ServiceUnavailable("this server is restarting: retry once reconnected")

    def event(self, handler, *args):
        """Run an event handler, counted as in flight. Raises ServiceUnavailable once leaving."""
        self.check_open()
        self.in_flight += 1
        try:
            return handler(*args)
        finally:
            self.in_flight -= 1


state = Leaving()


class RefuseNewSessionsWhileLeaving:
    """WSGI middleware in front of Socket.IO: once the process is leaving, a request that would open
    a new Engine.IO session (no `sid`) is answered 503, before any session exists here."""

    BODY = json.dumps({"error": {"code": "service_unavailable", "message": "this server is restarting"}}).encode()

    def __init__(self, wsgi_app, path="/socket.io/"):
        self.wsgi_app, self.path = wsgi_app, path

    def __call__(self, environ, start_response):
        if state.started and environ.get("PATH_INFO", "").startswith(self.path) \
                and "sid" not in parse_qs(environ.get("QUERY_STRING", "")):
            start_response("503 Service Unavailable", [("Content-Type", "application/json"), ("Retry-After", "1"),
                                                       ("Content-Length", str(len(self.BODY)))])
            return [self.BODY]
        return self.wsgi_app(environ, start_response)


def leave(app):
    """Steps 1 to 4 above; returns how many connections were closed. Runs once per process."""
    if state.started:
        return 0
    state.started = True
    deadline = time.monotonic() + IN_FLIGHT_WAIT_SECONDS
    while state.in_flight and time.monotonic() < deadline:
        socketio.sleep(0.05)
    if state.in_flight:
        log.warning("leaving with %d socket events still running", state.in_flight)
    sockets = list(socketio.server.eio.sockets.values())
    # Out of the table first: the disconnect handler of each socket closed below finds nothing
    # left to do, and step 4 does it for all of them.
    closed = connections.table.remove_all()
    for eio_socket in sockets:
        eio_socket.close(wait=False, abort=True, reason=socketio.server.reason.SERVER_DISCONNECT)
    metrics.SOCKET_DISCONNECTS.labels("server_disconnect").inc(len(closed))
    with app.app_context():
        try:
            for connection in closed:
                typing.stop_all(connection)
            presence.leave({connection.user_id for connection in closed})
        except Exception:
            log.exception("leaving presence failed; other processes will notice this one's beat lapse")
        try:
            connections.forget_sockets(closed)
        except Exception:
            log.exception("forgetting the sockets of the tokens failed; they lapse with the tokens")
        finally:
            db.session.remove()
    log.info("left: %d connections closed", len(sockets))
    return len(sockets)
