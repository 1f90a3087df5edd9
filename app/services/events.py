"""What happened, told to everyone who needs to know. Called by services only after their
transaction has committed, so nobody hears of a row that was rolled back.

Socket.IO events go out through `emit_to_users`, to the realtime processes holding connections of
their recipients (app/message_queue.py routes them; docs/websocket.md lists every event and
payload); any process may call these, whether or not it serves Socket.IO connections."""
from app import message_queue, metrics
from app.extensions import socketio
from app.rooms import NAMESPACE, user_room
from app.schemas.conversations import message_event
from app.schemas.messages import ReadPositionSchema
from app.services import notifications
from app.services.conversations import participant_ids

_read_positions = ReadPositionSchema()


def emit_to_users(event, payload, user_ids):
    """Send `event` to every connection of each user, on whichever realtime process holds it."""
    message_queue.emit_to_users(event, payload, user_ids)


def message_created(message, participants, event_seq):
    """A new message was stored (logged as `event_seq`): deliver it to the participants' sockets
    (and push to offline ones). Returns the message as the events carried it (MessageSchema)."""
    payload = message_event(event_seq, message)
    batch = message_queue.EventBatch()  # both events in one round trip to Redis
    batch.emit_to_users("message_received", payload, [uid for uid in participants if uid != message.sender_id])
    if message.sender_id is not None:
        # The sender's devices (the sending one included) learn that the message is stored.
        batch.emit_to_users("message_sent", {**payload, "client_message_id": message.client_message_id},
                            [message.sender_id])
    batch.send()
    notifications.schedule_for_new_message(message)
    return payload["message"]


def conversation_changed(conversation_id, logged):
    """Changes were made to a conversation (event_log.LoggedEvent, in event_seq order): tell its
    participants (and whoever else each names: the user who was removed)."""
    participants = participant_ids(conversation_id)
    for event in logged:
        if event.type == "message_received":
            message_created(event.message, participants, event.event_seq)
        else:
            payload = event.payload if event.message is None else message_event(event.event_seq, event.message)
            _emit_change(event.type, payload, [*participants, *event.also_to])


def _emit_change(event_type, payload, user_ids):
    # Each name written out: tests/realtime/test_asyncapi.py checks every emitted name against the document.
    match event_type:
        case "message_edited":
            emit_to_users("message_edited", payload, user_ids)
        case "message_deleted":
            emit_to_users("message_deleted", payload, user_ids)
        case "reaction_added":
            emit_to_users("reaction_added", payload, user_ids)
        case "reaction_removed":
            emit_to_users("reaction_removed", payload, user_ids)
        case "participant_added":
            emit_to_users("participant_added", payload, user_ids)
        case "participant_removed":
            emit_to_users("participant_removed", payload, user_ids)
        case "participant_updated":
            emit_to_users("participant_updated", payload, user_ids)
        case "conversation_updated":
            emit_to_users("conversation_updated", payload, user_ids)
        case _:
            raise ValueError(f"no Socket.IO event for the logged change {event_type!r}")


def read_position_moved(position, participants):
    """A participant's read position advanced: tell the other participants (read receipt)."""
    others = [uid for uid in participants if uid != position.user_id]
    emit_to_users("message_read", _read_positions.dump(position), others)


def message_delivered(message, recipient_id, delivered_at):
    """A recipient's delivery position reached a message: tell its sender (delivery receipt)."""
    if message.sender_id is None:
        return
    emit_to_users("message_delivered", {
        "conversation_id": message.conversation_id, "message_id": message.id, "seq": message.seq,
        "user_id": recipient_id, "delivered_at": delivered_at.isoformat(),
    }, [message.sender_id])


def user_typing(conversation_id, user_id, is_typing, recipient_ids):
    """Someone started or stopped typing (or their typing lapsed)."""
    metrics.TYPING_RELAYED.inc()
    emit_to_users("user_typing", {"conversation_id": conversation_id, "user_id": user_id, "is_typing": is_typing},
                  recipient_ids)


def presences_changed(changes, batch=500):
    """Users' presences really changed: for each (presence.Change, contact ids) of `changes`, tell
    everyone who shares a conversation with the user; `batch` of them per round trip to Redis."""
    for start in range(0, len(changes), batch):
        events = message_queue.EventBatch()
        for change, contact_ids in changes[start:start + batch]:
            if change.status == "offline":
                last_seen = change.last_seen_at.isoformat() if change.last_seen_at else None
                events.emit_to_users("user_offline", {"user_id": change.user_id, "last_seen_at": last_seen},
                                     contact_ids)
            else:
                events.emit_to_users("user_online", {"user_id": change.user_id, "status": change.status},
                                     contact_ids)
        events.send()


def resync(user_id, positions):
    """This process's connections of the user may have missed events (`positions`: conversation id
    -> conversations.Position): they replay the log after their last seen event_seq wherever it is
    behind. Sent only from this process (ignore_queue): connections elsewhere missed nothing."""
    conversations = [{"conversation_id": cid, "last_seq": position.last_seq,
                      "last_event_seq": position.last_event_seq} for cid, position in sorted(positions.items())]
    socketio.emit("resync", {"conversations": conversations}, to=user_room(user_id), namespace=NAMESPACE,
                  ignore_queue=True)


def session_ended(user_id, sids, reason):
    """Tell connections of the user (`sids`) why they are about to be disconnected, then disconnect
    them, on whichever realtime process holds them (`user_id` None: only this process's are ended)."""
    message_queue.emit_to_users("session_ended", {"reason": reason}, [] if user_id is None else [user_id],
                                ending=sids)
