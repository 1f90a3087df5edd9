"""python-socketio's server with a gate in front of every event a client sends.

Socket.IO dispatches a client's event exactly as it dispatches its own lifecycle calls: an event
a client names "disconnect" would run the disconnect handler while the socket stays open, and
"connect" the connect handler. `_handle_event` is the one way client events come in, so the gate
stands there. Before any handler runs (and before a greenlet is spawned for it), an event is
refused, with an acknowledgement when the client asked for one, when:
- its connection has spent its budget of events per second: `rate_limited`, with
  `details.retry_after` in seconds (app/realtime/budget.py);
- its name is not a string, is reserved by Socket.IO, or names no handler: `unknown_event`;
- its payload holds a string that is not Unicode text: `validation_error` naming the field;
- its payload is JSON that cannot be read (nested too deeply, a number too long): `bad_request`,
  as REST answers such a body (`ReadablePacket` lets it reach the gate instead of failing silently).
"""
import socketio
from socketio import packet

from app import json_input, metrics
from app.errors import ApiError, InvalidFields, RateLimited
from app.realtime import connections

# Socket.IO's own event names (socket.io's RESERVED_EVENTS, and python-socketio's): never a client's.
RESERVED_EVENTS = frozenset({"connect", "connect_error", "disconnect", "disconnecting",
                             "newListener", "removeListener"})


def refusal(error):
    """The acknowledgement of an event that failed with ApiError `error`."""
    return {"ok": False, "error": error.to_dict()}


class UnknownEvent(ApiError):
    status, code = 400, "unknown_event"


class UnreadablePayload:
    """Stands for an event's data when its JSON could not be read; `problem` says why."""

    def __init__(self, problem):
        self.problem = problem


class ReadablePacket(packet.Packet):
    """python-socketio's packet, except that an event whose JSON cannot be read still arrives (its
    data an UnreadablePayload), so the gate can answer it: the plain packet raises, and the event
    is dropped with a traceback in the log and no acknowledgement."""

    def decode(self, encoded_packet):
        try:
            return super().decode(encoded_packet)
        except (ValueError, RecursionError) as exc:
            if self.packet_type not in (packet.EVENT, packet.BINARY_EVENT):
                raise
            self.data = [UnreadablePayload("nested too deeply" if isinstance(exc, RecursionError)
                                           else "a number has too many digits")]
            return 0


class MessagingServer(socketio.Server):
    def _handle_event(self, eio_sid, namespace, id, data):
        namespace = namespace or "/"
        error = self._refusal(self.manager.sid_from_eio_sid(eio_sid, namespace), namespace, data)
        if error is None:
            super()._handle_event(eio_sid, namespace, id, data)
            return
        metrics.SOCKET_EVENTS.labels(self._event_label(namespace, data), error.code).inc()
        if id is not None:
            self._send_packet(eio_sid, self.packet_class(packet.ACK, namespace=namespace, id=id, data=[refusal(error)]))

    def _event_label(self, namespace, data):
        """The event's name as a metric label: a handler's name, or "unknown" (names are the client's to pick)."""
        event = data[0] if data else None
        known = isinstance(event, str) and event not in RESERVED_EVENTS and hasattr(
            self.namespace_handlers.get(namespace), "on_" + event)
        return event if known else "unknown"

    def _refusal(self, sid, namespace, data):
        """The ApiError that refuses this event, or None to let it through."""
        connection = connections.table.get(sid)
        wait = connection.budget.take() if connection is not None else None
        if wait:
            return RateLimited(f"more than {connection.budget.per_second} events in one second: slow down",
                               details={"retry_after": wait})
        event = data[0] if data else None
        if isinstance(event, UnreadablePayload):
            return ApiError(f"invalid JSON payload: {event.problem}")
        if not isinstance(event, str):
            return UnknownEvent("an event name must be a string")
        if event in RESERVED_EVENTS:
            return UnknownEvent(f"{event!r} is reserved by Socket.IO: clients cannot send it")
        if not hasattr(self.namespace_handlers.get(namespace), "on_" + event):
            return UnknownEvent(f"unknown event {event[:64]!r}: docs/websocket.md lists the events")
        field = json_input.lone_surrogate_field(data[1] if len(data) == 2 else list(data[1:]))
        if field:
            return InvalidFields({field: [json_input.LONE_SURROGATE]})
        return None
