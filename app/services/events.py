"""What happened, told to everyone who needs to know. Called by services only after their
transaction has committed, so nobody hears of a row that was rolled back.

Socket.IO events go out through the Redis message queue (docs/websocket.md lists every event and
payload); any process may call these, whether or not it serves Socket.IO connections."""
from app import metrics
from app.extensions import socketio
from app.rooms import NAMESPACE, user_room
from app.schemas.messages import MessageSchema, ReadPositionSchema
from app.services import notifications
from app.services.conversations import participant_ids

_messages, _read_positions = MessageSchema(), ReadPositionSchema()


def emit_to_users(event, payload, user_ids):
    """Send `event` to every connection of each user, on whichever realtime process holds it."""
    rooms = [user_room(uid) for uid in dict.fromkeys(user_ids)]
    if rooms:  # an empty `to` would broadcast to everyone
        socketio.emit(event, payload, to=rooms, namespace=NAMESPACE)


def message_created(message, participants):
    """A new message was stored: deliver it to the participants' sockets (and push to offline ones)."""
    payload = _messages.dump(message)
    others = [uid for uid in participants if uid != message.sender_id]
    emit_to_users("message_received", {"message": payload}, others)
    # The sender's devices (the sending one included) learn that the message is stored.
    emit_to_users("message_sent", {"client_message_id": message.client_message_id, "message": payload},
                  [message.sender_id])
    notifications.schedule_for_new_message(message)


def read_position_moved(position):
    """A participant's read position advanced: tell the other participants (read receipt)."""
    others = [uid for uid in participant_ids(position.conversation_id) if uid != position.user_id]
    emit_to_users("message_read", _read_positions.dump(position), others)


def message_delivered(message, recipient_id):
    """A recipient's device acknowledged a message: tell its sender (delivery receipt)."""
    if message.sender_id is None:
        return
    emit_to_users("message_delivered", {
        "conversation_id": message.conversation_id, "message_id": message.id, "seq": message.seq,
        "user_id": recipient_id, "delivered_at": message.delivered_at.isoformat(),
    }, [message.sender_id])


def user_typing(conversation_id, user_id, is_typing, recipient_ids):
    """Someone started or stopped typing (or their typing lapsed)."""
    metrics.TYPING_RELAYED.inc()
    emit_to_users("user_typing", {"conversation_id": conversation_id, "user_id": user_id, "is_typing": is_typing},
                  recipient_ids)


def presence_changed(change, contact_ids):
    """A user's presence really changed (presence.Change): tell everyone who shares a conversation."""
    if change.status == "offline":
        last_seen = change.last_seen_at.isoformat() if change.last_seen_at else None
        emit_to_users("user_offline", {"user_id": change.user_id, "last_seen_at": last_seen}, contact_ids)
    else:
        emit_to_users("user_online", {"user_id": change.user_id, "status": change.status}, contact_ids)


def resync(user_id, last_seqs):
    """This process's connections of the user may have missed events (`last_seqs`: conversation id
    -> last seq): they fetch `after=` their last seen seq wherever it is behind. Sent only from this
    process (ignore_queue): connections elsewhere missed nothing."""
    conversations = [{"conversation_id": cid, "last_seq": seq} for cid, seq in sorted(last_seqs.items())]
    socketio.emit("resync", {"conversations": conversations}, to=user_room(user_id), namespace=NAMESPACE,
                  ignore_queue=True)


def session_ended(sid, reason):
    """Tell one connection why it is about to be disconnected, then disconnect it (wherever it is)."""
    socketio.emit("session_ended", {"reason": reason}, to=sid, namespace=NAMESPACE)
    socketio.server.disconnect(sid, namespace=NAMESPACE)


def message_deleted(message):
    """A message was soft-deleted by its sender (deleted_at set, text cleared): tell the participants."""
    emit_to_users("message_deleted", {"message": _messages.dump(message)},
                  participant_ids(message.conversation_id))
