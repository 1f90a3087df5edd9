"""The realtime tier: the Socket.IO namespace /messaging and what keeps it honest (presence,
typing, token expiry). See docs/websocket.md for every event and payload, and asyncapi.json beside
this file for its AsyncAPI 3 document."""
from pathlib import Path

from flask import send_from_directory

from app.realtime.namespace import MessagingNamespace
from app.rooms import NAMESPACE

ASYNCAPI_DOCUMENT = Path(__file__).with_name("asyncapi.json")


def register(socketio):
    """Attach the /messaging namespace to the SocketIO instance (once, however many apps are built)."""
    if not any(handler.namespace == NAMESPACE for handler in socketio.namespace_handlers):
        socketio.on_namespace(MessagingNamespace(NAMESPACE))


def serve_asyncapi_document(app):
    """GET /asyncapi.json: the namespace's AsyncAPI 3 document, as it is kept in the repository."""
    app.add_url_rule("/asyncapi.json", "asyncapi_json", lambda: send_from_directory(
        ASYNCAPI_DOCUMENT.parent, ASYNCAPI_DOCUMENT.name, mimetype="application/json"))
