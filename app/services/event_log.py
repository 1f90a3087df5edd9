"""The catch-up log: every change a participant can see in a conversation, numbered.

Each change (a message created, edited or deleted; a reaction added or removed; participants
added, removed or given another role; the title changed) takes the conversation's next
`event_seq` in the transaction that makes it: conversations.last_event_seq is incremented under
the conversation's row lock, so event_seqs are gap-free and strictly increasing per conversation
(a rolled-back change gives its number back). Its Socket.IO event carries that event_seq, and
`events_after` replays the log, so a client that was away applies exactly what it missed.

A message sent by a user is logged inside the send statement (services.messages); every other
change calls `lock` first, checks what it must under the lock, then `record`s each event.
"""
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import lazyload

from app.extensions import db
from app.models import Conversation, ConversationEvent, Message
from app.schemas.conversations import message_event
from app.services.conversations import conversation_for


@dataclass
class LoggedEvent:
    """A change made in the current transaction, for services.events to announce after the commit."""

    type: str
    event_seq: int
    payload: dict | None = None  # what its event carries (event_seq included); None for a message's
    message: Message | None = None  # the message changed (message_received, _edited, _deleted)
    also_to: tuple = field(default_factory=tuple)  # who hears it besides the participants (the one removed)


def lock(conversation_id):
    """Lock the conversation's row until the transaction ends: the changes to one conversation take
    their event_seqs, and check what they depend on (group size, roles, reactions), one at a time.
    Returns the conversation, read after the lock was granted, without its participants (a
    reaction in a group of 500 needs none of them)."""
    return db.session.scalar(select(Conversation).where(Conversation.id == conversation_id)
                             .options(lazyload(Conversation.participants))
                             .with_for_update().execution_options(populate_existing=True))


def _next_seqs(conversation_id, **bumps):
    """Increment the conversation's last_event_seq (and whatever `bumps` names) and return the row."""
    values = {"last_event_seq": Conversation.last_event_seq + 1, **bumps}
    return db.session.execute(update(Conversation).where(Conversation.id == conversation_id).values(values)
                              .returning(Conversation.last_event_seq, Conversation.last_seq)).one()


def record(conversation_id, event_type, payload=None, message=None, also_to=()):
    """Log a change under the conversation's next event_seq and return it as a LoggedEvent: a
    change to a message names the `message` (stored, with an id; the log shows it as it is when
    read), any other change the `payload` its event carries (event_seq is added to it)."""
    event_seq = _next_seqs(conversation_id).last_event_seq
    if message is not None:
        db.session.add(ConversationEvent(conversation_id=conversation_id, event_seq=event_seq, type=event_type,
                                         message_id=message.id))
        return LoggedEvent(event_type, event_seq, message=message, also_to=tuple(also_to))
    payload = {**payload, "event_seq": event_seq}
    db.session.add(ConversationEvent(conversation_id=conversation_id, event_seq=event_seq, type=event_type,
                                     payload=payload))
    return LoggedEvent(event_type, event_seq, payload=payload, also_to=tuple(also_to))


def system_message(conversation_id, actor_id, event):
    """Record a change as a message of kind "system" (`event` says what happened; `actor_id` did it,
    None for the service itself), with the next seq, and log it as message_received."""
    seqs = _next_seqs(conversation_id, last_seq=Conversation.last_seq + 1, last_message_at=func.now())
    message = Message(conversation_id=conversation_id, seq=seqs.last_seq, kind="system", sender_id=actor_id,
                      event={**event, "actor_id": actor_id})
    db.session.add(message)
    db.session.flush()
    db.session.add(ConversationEvent(conversation_id=conversation_id, event_seq=seqs.last_event_seq,
                                     type="message_received", message_id=message.id))
    return LoggedEvent("message_received", seqs.last_event_seq, message=message)


@dataclass
class ReplayedEvent:
    event_seq: int
    type: str
    payload: dict
    created_at: object


def events_after(user_id, conversation_id, after=0, limit=100):
    """The participant's replay: the logged changes with event_seq > `after`, oldest first, and
    whether more follow. A change to a message shows the message as it is now (one query loads
    them all). Raises NotFound unless the user takes part in the conversation (someone removed
    replays nothing more)."""
    conversation_for(user_id, conversation_id)
    rows = list(db.session.scalars(
        select(ConversationEvent)
        .where(ConversationEvent.conversation_id == conversation_id, ConversationEvent.event_seq > after)
        .order_by(ConversationEvent.event_seq).limit(limit + 1)))
    page, more = rows[:limit], len(rows) > limit
    message_ids = {row.message_id for row in page if row.message_id is not None}
    messages = ({message.id: message for message in db.session.scalars(
        select(Message).where(Message.id.in_(message_ids)))} if message_ids else {})
    replayed = [ReplayedEvent(row.event_seq, row.type,
                              message_event(row.event_seq, messages[row.message_id]) if row.message_id is not None
                              else row.payload, row.created_at)
                for row in page]
    return replayed, more
