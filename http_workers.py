"""Gunicorn workers that answer, with the API's JSON error body, the requests that never reach
Flask (gunicorn.conf.py picks one by ROLE).

A request line or headers over the limits below, or bytes that are not an HTTP request, are
answered by the server itself: by Gunicorn in the api role (an HTML page), by gevent's pywsgi in
the realtime and dev roles (an empty body). These subclasses answer them with
{"error": {"code", "message"}} and the same status on every role, and log the refusal without
the request line, which may hold a search query.

`app` is imported only inside functions: Gunicorn's master imports this module to find the
worker class, and the app must first be imported in a worker, after gevent has patched the
standard library (wsgi.py).
"""
import http.client
import json
import uuid

from geventwebsocket.handler import WebSocketHandler
from gunicorn import util
from gunicorn.http.errors import (ExpectationFailed, ForbiddenProxyRequest, InvalidResponseHeader,
                                  InvalidResponseHeaderName, LimitRequestHeaders, LimitRequestLine, ParseException,
                                  UnsupportedTransferCoding)
from gunicorn.workers.ggevent import GeventPyWSGIWorker, GeventWorker, PyWSGIHandler

# gevent's pywsgi refuses request lines of 8,190 bytes and more (its MAX_REQUEST_LINE, 8,192 with
# the CRLF, is not configurable); Gunicorn is set to the same. That leaves room for the longest
# search a client can send: 500 characters of q, each up to 12 bytes percent-encoded, plus a cursor.
LIMIT_REQUEST_LINE = 8189
LIMIT_REQUEST_FIELDS = 100  # http.client's limit, which pywsgi parses headers with
LIMIT_REQUEST_FIELD_SIZE = 8190  # a header line, name included: a JWT is under 1 KB

MESSAGES = {
    400: "malformed HTTP request",
    414: f"request line over {LIMIT_REQUEST_LINE} bytes",
    431: f"request headers over the limits: at most {LIMIT_REQUEST_FIELDS} fields of {LIMIT_REQUEST_FIELD_SIZE} "
         "bytes each",
    500: "internal server error",
}
_PARSE_ERROR_STATUS = ((LimitRequestLine, 414), (LimitRequestHeaders, 431), (ExpectationFailed, 417),
                       (UnsupportedTransferCoding, 501), (ForbiddenProxyRequest, 403))


def error_response(status, request_id=None):
    """The whole HTTP/1.1 response for an error the server answers itself (`request_id` for a 500)."""
    from app.errors import error_body, status_code_name  # in a worker only: see the module docstring

    name = status_code_name(status)
    body = json.dumps({"error": error_body(name, MESSAGES.get(status, name.replace("_", " ")),
                                           request_id=request_id)}).encode()
    head = (f"HTTP/1.1 {status} {http.client.responses.get(status, 'Error')}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


class ApiWorker(GeventWorker):
    """Gunicorn's gevent worker (the api role)."""

    def handle_error(self, req, client, addr, exc):
        app_fault = isinstance(exc, (InvalidResponseHeader, InvalidResponseHeaderName))
        request_id = None
        if isinstance(exc, ParseException) and not app_fault:
            status = next((code for kind, code in _PARSE_ERROR_STATUS if isinstance(exc, kind)), 400)
            # Not str(exc), as Gunicorn logs it: that quotes the request line, query included.
            self.log.warning("refused a request it could not read from %s: %s %s",
                             addr[0] if addr else "", status, type(exc).__name__)
        else:
            status, request_id = 500, uuid.uuid4().hex
            self.log.exception("error handling a request", extra={"request_id": request_id})
        try:
            util.write_nonblock(client, error_response(status, request_id))
            # Read out what the client has sent already: closing with unread data resets the
            # connection, and the client may lose the answer before it reads it.
            client.setblocking(False)
            client.recv(65536)
        except OSError:
            pass  # gone, or nothing more to read


class _HeaderFieldTooLarge(ValueError):
    pass


class RealtimeHandler(PyWSGIHandler, WebSocketHandler):
    """gevent-websocket's handler with Gunicorn's access log (off: the app logs each request,
    gunicorn.conf.py) instead of its own (the full request line), and JSON error answers."""

    def read_request(self, raw_requestline):
        parsed = super().read_request(raw_requestline)
        if any(len(name) + len(value) + 2 > LIMIT_REQUEST_FIELD_SIZE for name, value in self.headers.items()):
            raise _HeaderFieldTooLarge()
        return parsed

    def handle_one_request(self):
        result = super().handle_one_request()
        if isinstance(result, tuple):  # pywsgi refused the request: (status, the raw response it would send)
            status = int(result[0])
            if status == 414:  # refused before _handle_client_error, which logs the others
                self.server.log.warning("refused a request from %s: 414 request line too long", self.client_address[0])
            return result[0], error_response(status)
        return result

    def _handle_client_error(self, ex):
        # http.client refuses more than LIMIT_REQUEST_FIELDS headers (an HTTPException).
        status = 431 if isinstance(ex, (http.client.HTTPException, _HeaderFieldTooLarge)) else 400
        # pywsgi's own message quotes the request line, query included: only the kind of problem.
        self.server.log.warning("refused a request it could not read from %s: %s %s", self.client_address[0], status,
                                type(ex).__name__)
        return str(status), b""  # handle_one_request writes the body

    def log_request(self):
        if self.environ is not None:  # None: refused before it was a WSGI request (logged above)
            super().log_request()


class RealtimeWorker(GeventPyWSGIWorker):
    """The gevent-websocket worker (the realtime and dev roles): Socket.IO's WebSocket transport."""

    wsgi_handler = RealtimeHandler
