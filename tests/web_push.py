"""Web Push from the outside: a stand-in push service on 127.0.0.1 that records every push, a
subscriber browser with its own keys, and VAPID key pairs in the form operators configure them."""
import http.server
import json
import os
import threading
from dataclasses import dataclass

import http_ece
from cryptography.hazmat.primitives.asymmetric import ec

from devstack.keys import b64url, p256_public_point, vapid_key_pair as operator_key_pair


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


def vapid_key_pair():
    """{"private_key": the key object, VAPID_PRIVATE_KEY, VAPID_PUBLIC_KEY, VAPID_SUBJECT}."""
    private_key, keys = operator_key_pair()
    return {"private_key": private_key, **keys, "VAPID_SUBJECT": "mailto:ops@example.test"}


class Browser:
    """A subscriber: its own P-256 key pair and auth secret, as a browser creates them."""

    def __init__(self, client, user, endpoint):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        response = client.as_user(user, "post", "/push/subscriptions", json={
            "endpoint": endpoint,
            "keys": {"p256dh": b64url(p256_public_point(self.private_key)), "auth": b64url(self.auth)}})
        assert response.status_code == 201, response.get_json()
        self.subscription_id = response.get_json()["id"]

    def read(self, push):
        """Decrypt a received push (aes128gcm) and parse its JSON."""
        plain = http_ece.decrypt(push.body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm")
        return json.loads(plain)
