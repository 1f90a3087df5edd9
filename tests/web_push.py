"""A stand-in for a Web Push service: an HTTP server on 127.0.0.1 that records every push."""
import http.server
import threading
from dataclasses import dataclass


@dataclass
class ReceivedPush:
    path: str
    headers: dict  # names in lower case
    body: bytes


class FakePushService:
    """Answers 201 Created, or the status set for a path with `answer(path, status)`."""

    def __init__(self):
        self.received = []
        self.statuses = {}
        self._lock = threading.Lock()
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with service._lock:
                    service.received.append(ReceivedPush(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(service.statuses.get(self.path, 201))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def endpoint(self, name):
        return f"http://127.0.0.1:{self.server.server_port}/push/{name}"

    def answer(self, name, status):
        self.statuses[f"/push/{name}"] = status

    def pushes_to(self, name):
        with self._lock:
            return [push for push in self.received if push.path == f"/push/{name}"]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
