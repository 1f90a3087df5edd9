"""The realtime tier: the Socket.IO namespace /messaging and what keeps it honest (presence,
typing, token expiry). See docs/websocket.md for every event and payload."""
from app.realtime.namespace import MessagingNamespace
from app.rooms import NAMESPACE


def register(socketio):
    """Attach the /messaging namespace to the SocketIO instance (once, however many apps are built)."""
    if not any(handler.namespace == NAMESPACE for handler in socketio.namespace_handlers):
        socketio.on_namespace(MessagingNamespace(NAMESPACE))
