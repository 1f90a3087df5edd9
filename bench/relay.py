"""The baseline: a bare Flask-SocketIO relay with the same process shape as our realtime tier
(gevent-websocket worker, Redis message queue, gc.freeze via gunicorn.conf.py) and none of our
work (no auth, no database, no presence, no typing). Served by bench/load.py for comparison.

With RELAY_PERSIST=1 it is the persisting relay: before relaying, each message is stored in
PostgreSQL (DATABASE_URL, the app's schema) with raw psycopg2: the statement our send runs
(services.messages.INSERT_MESSAGE), then one commit, on a small pool of connections, nothing
else. The price of PostgreSQL alone, for bench/load.py's third row."""
import os

from gevent import monkey

monkey.patch_all()

from flask import Flask, request  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402
from socketio import RedisManager  # noqa: E402

app = Flask(__name__)
socketio = SocketIO(app, async_mode="gevent", manage_session=False,
                    client_manager=RedisManager(os.environ["REDIS_URL"], channel="bench-relay"))
store = None
senders = {}  # sid -> user id, for the persisting relay

if os.environ.get("RELAY_PERSIST") == "1":
    from bench.relay_store import MessageStore

    store = MessageStore(os.environ["DATABASE_URL"])


@socketio.on("connect", namespace="/messaging")
def connect(auth=None):
    auth = auth or {}
    join_room(f"pair:{auth.get('room')}")
    if store is not None:
        senders[request.sid] = store.user_id(auth["token"])


@socketio.on("disconnect", namespace="/messaging")
def disconnect(reason=None):
    senders.pop(request.sid, None)


@socketio.on("send_message", namespace="/messaging")
def send_message(data):
    if store is not None:
        try:
            store.insert(senders[request.sid], data["conversation_id"], data["content"], data.get("client_message_id"))
        except Exception as exc:  # noqa: BLE001 - the load generator counts failed acks
            return {"ok": False, "error": {"code": "internal_error", "message": type(exc).__name__}}
    room = f"pair:{data['room']}"
    socketio.emit("message_received", {"message": {"content": data["content"]}}, to=room,
                  skip_sid=request.sid, namespace="/messaging")
    return {"ok": True, "data": {"client_message_id": data.get("client_message_id")}}
