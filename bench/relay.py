"""The baseline: a bare Flask-SocketIO relay with the same process shape as our realtime tier
(gevent-websocket worker, Redis message queue, gc.freeze via gunicorn.conf.py) and none of our
work (no auth, no database, no presence, no typing). Served by bench/load.py for comparison."""
import os

from gevent import monkey

monkey.patch_all()

from flask import Flask, request  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402
from socketio import RedisManager  # noqa: E402

app = Flask(__name__)
socketio = SocketIO(app, async_mode="gevent", manage_session=False,
                    client_manager=RedisManager(os.environ["REDIS_URL"], channel="bench-relay"))


@socketio.on("connect", namespace="/messaging")
def connect(auth=None):
    join_room(f"pair:{(auth or {}).get('room')}")


@socketio.on("send_message", namespace="/messaging")
def send_message(data):
    room = f"pair:{data['room']}"
    socketio.emit("message_received", {"message": {"content": data["content"]}}, to=room,
                  skip_sid=request.sid, namespace="/messaging")
    return {"ok": True, "data": {"client_message_id": data.get("client_message_id")}}
