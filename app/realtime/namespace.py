"""The /messaging namespace: thin doors onto the same services as the REST API.

Every client -> server event is answered through its acknowledgement callback with
{"ok": true, "data": ...} or {"ok": false, "error": {"code", "message", "details"?}}. A handler never
drops the connection on bad input; only a token that expired or was revoked ends it.
"""
import functools
import logging
import time

from flask import current_app, request
from flask_socketio import ConnectionRefusedError, Namespace, join_room

import log_format
from app import metrics
from app.errors import ApiError, InternalError, ServiceUnavailable, Unauthorized, as_api_error
from app.extensions import db, socketio
from app.realtime import admission, connections, presence, shutdown, sweeper, typing
from app.realtime.schemas import (ConversationRefSchema, HeartbeatSchema, MessageRefSchema,
                                  SocketSendMessageSchema)
from app.realtime.server import refusal
from app.rooms import user_room
from app.schemas.messages import MessageSchema, ReadPositionSchema
from app.services import conversations, delivery, events, messages

log = logging.getLogger(__name__)
# How long a connect waits for the process to hear its message queue channel (its first connect
# starts the listener) before it is refused as service_unavailable.
SUBSCRIBE_WAIT_SECONDS = 2
_messages, _read_positions = MessageSchema(), ReadPositionSchema()


def bind_connection(sid, user_id):
    """Put the connection's id and its user's on every log line from here (log_format.bind); returns the token."""
    return log_format.bind(connection_id=sid, user_id=user_id)


def acknowledged(schema=None, service_checks_revocation=False):
    """Wrap an event handler: take one of the connection's in-flight slots, check the token, load
    the payload with `schema`, call the handler with (connection, data) and turn its result or
    failure into the acknowledgement. Each event is counted and timed by name and outcome (ok or
    the error code), and its log lines carry the connection and user ids.

    `service_checks_revocation`: the handler hands the token to a service that checks its
    revocation in a Redis round trip it makes anyway, before it writes anything (messages.send_message);
    the wrapper then checks only its expiry, saving a round trip."""

    loader = schema() if schema else None  # marshmallow schemas hold no per-call state: build once

    def decorate(handler):
        event = handler.__name__.removeprefix("on_")

        @functools.wraps(handler)
        def wrapper(self, payload=None):
            sid = request.sid
            connection = connections.table.get(sid)
            context = bind_connection(sid, connection.user_id if connection else None)
            started, outcome = time.perf_counter(), "ok"
            try:
                if connection is None:
                    # python-socketio hands an event over only while its connection is connected, but
                    # runs it in a greenlet of its own: the connection's disconnect (a restart's, say)
                    # may have begun meanwhile, and its socket is still open until that ends. The
                    # client reconnects: it retries, as after any restart.
                    raise ServiceUnavailable("this connection is closing: retry once reconnected")
                with connection.in_flight:
                    connections.check_token(connection, revocation=not service_checks_revocation)
                    data = loader.load(payload if payload is not None else {}) if loader else payload
                    # Counted while it runs, so a process that is leaving lets it finish first.
                    return {"ok": True, "data": shutdown.state.event(handler, self, connection, data)}
            except Exception as exc:
                error = as_api_error(exc)
                outcome = error.code
                if isinstance(exc, Unauthorized):
                    # Answer first, then disconnect: the acknowledgement is queued ahead of the close.
                    socketio.start_background_task(events.session_ended, connection and connection.user_id, [sid],
                                                   exc.reason)
                elif error.status >= 500:
                    db.session.rollback()
                    if isinstance(error, InternalError):
                        log.exception("socket event failed", extra={"event": event})
                return refusal(error)
            finally:
                metrics.SOCKET_EVENTS.labels(event, outcome).inc()
                metrics.SOCKET_EVENT_DURATION.labels(event).observe(time.perf_counter() - started)
                log_format.unbind(context)

        return wrapper

    return decorate


class MessagingNamespace(Namespace):
    def on_connect(self, auth=None):
        admission.apart(self._connect, auth)  # in a greenlet of its own (app/realtime/admission.py)

    def _connect(self, auth):
        bind_connection(request.sid, None)  # in the connect's own context (admission.apart): no unbind needed
        try:
            shutdown.state.check_open()
            with admission.turns().taken():  # connects take turns (app/realtime/admission.py)
                claims = connections.authenticate(auth)
                if not socketio.server.manager.wait_until_receiving(SUBSCRIBE_WAIT_SECONDS):
                    # Events routed here now would reach no one, and the client's catch-up would not cover them.
                    raise ServiceUnavailable("this server does not hear the message queue yet: retry shortly")
                connection = connections.register(request.sid, claims)
                log_format.bind(user_id=connection.user_id)
                join_room(user_room(connection.user_id))
                presence.connected(connection.user_id, request.sid)
        except ApiError as exc:  # Unauthorized, or ServiceUnavailable (leaving, or busy)
            self._refused(exc.code, exc.message)
            raise ConnectionRefusedError(exc.message, {"code": exc.code})
        except Exception as exc:
            error = as_api_error(exc)
            if isinstance(error, InternalError):
                log.exception("socket connect failed")
            connections.unregister(request.sid)
            self._refused("service_unavailable", error.message)
            raise ConnectionRefusedError("service unavailable, retry shortly", {"code": "service_unavailable"})
        sweeper.start(current_app._get_current_object())
        metrics.SOCKET_CONNECTS.labels("accepted").inc()
        log.info("socket connected")

    @staticmethod
    def _refused(code, reason):
        metrics.SOCKET_CONNECTS.labels(code).inc()
        log.info("socket refused", extra={"code": code, "reason": reason})

    def on_disconnect(self, reason=None):
        with admission.turns().taken(first=True):  # before waiting connects (app/realtime/admission.py)
            self._disconnect(reason)

    def _disconnect(self, reason):
        connection = connections.unregister(request.sid)
        if connection is None:  # refused, or its process is leaving and did this for all at once (shutdown.leave)
            return
        reason = (reason or "unknown").replace(" ", "_")
        metrics.SOCKET_DISCONNECTS.labels(reason).inc()
        context = bind_connection(request.sid, connection.user_id)
        log.info("socket disconnected", extra={
            "reason": reason, "duration_s": round(time.monotonic() - connection.connected_at, 3)})
        try:
            typing.stop_all(connection)
            presence.disconnected(connection.user_id, request.sid)
        except Exception:
            # The sweeper's checks (typing TTL, dead processes) still converge on the right state.
            log.exception("cleanup after a socket disconnected failed")
        finally:
            log_format.unbind(context)

    @acknowledged(ConversationRefSchema)
    def on_join_conversation(self, connection, data):
        """What a client opening a conversation needs: where it stands (last_seq and last_event_seq,
        to fetch what it missed) and who is typing. Its events reach the user's room without a join."""
        conversation_id = data["conversation_id"]
        conversation = conversations.conversation_for(connection.user_id, conversation_id)
        participants = self._participants(connection, conversation_id)
        return {"conversation_id": conversation_id, "last_seq": conversation.last_seq,
                "last_event_seq": conversation.last_event_seq,
                "typing_user_ids": [uid for uid in typing.typing_user_ids(conversation_id, participants)
                                    if uid != connection.user_id]}

    @acknowledged(SocketSendMessageSchema, service_checks_revocation=True)
    def on_send_message(self, connection, data):
        conversation_id = data.pop("conversation_id")
        # Optional fields (client_message_id, and whatever the REST schema grows) pass straight through.
        result = messages.send_message(connection.user_id, conversation_id, door="socket", token_id=connection.jti,
                                       **data)
        if connection.typing_in and conversation_id in connection.typing_in:
            connection.typing_in.discard(conversation_id)
            typing.stop(conversation_id, connection.user_id, self._participants(connection, conversation_id))
        dumped = result.dumped if result.dumped is not None else _messages.dump(result.message)
        return {"client_message_id": result.message.client_message_id, "message": dumped}

    @acknowledged(MessageRefSchema)
    def on_mark_read(self, connection, data):
        return _read_positions.dump(messages.mark_read(connection.user_id, data["message_id"]))

    @acknowledged(MessageRefSchema)
    def on_mark_delivered(self, connection, data):
        message = delivery.mark_delivered(connection.user_id, data["message_id"])
        return {"message_id": message.id, "seq": message.seq,
                "delivered_at": message.delivered_at.isoformat() if message.delivered_at else None}

    @acknowledged(ConversationRefSchema)
    def on_typing_start(self, connection, data):
        conversation_id = data["conversation_id"]
        participants = self._participants(connection, conversation_id)
        if not typing.relayed(participants):
            return {"relayed": False}
        state = typing.start(conversation_id, connection.user_id, participants)
        connection.typing_in.add(conversation_id)
        return {"relayed": True, "state": state}

    @acknowledged(ConversationRefSchema)
    def on_typing_stop(self, connection, data):
        conversation_id = data["conversation_id"]
        participants = self._participants(connection, conversation_id)
        connection.typing_in.discard(conversation_id)
        if not typing.relayed(participants):
            return {"relayed": False}
        return {"relayed": True, "was_typing": typing.stop(conversation_id, connection.user_id, participants)}

    @acknowledged(HeartbeatSchema)
    def on_heartbeat(self, connection, data):
        change = presence.heartbeat(connection.user_id, request.sid, data["status"])
        return {"status": change.status}

    @staticmethod
    def _participants(connection, conversation_id):
        """The conversation's participant ids, checked once per connection. Raises NotFound for non-participants."""
        if conversation_id not in connection.participants:
            conversations.conversation_for(connection.user_id, conversation_id)
            connection.participants[conversation_id] = conversations.participant_ids(conversation_id)
        return connection.participants[conversation_id]

