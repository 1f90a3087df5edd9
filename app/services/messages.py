"""Sending, reading and paging messages. REST and Socket.IO both come through here."""
from dataclasses import dataclass

from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.models import Conversation, Message, Participant
from app.services import content as content_rules
from app.services import events, images
from app.services.conversations import conversation_for, unarchive_for_all
from app.services.send_limits import release_send_slot, take_send_slot


@dataclass
class SendResult:
    message: Message
    created: bool  # False when a retry returned the message stored the first time
    quota: object = None  # send_limits.Quota, None for a retry (it did not count)


def send_message(sender_id, conversation_id, content, client_message_id=None, image_ids=()):
    """Store a message from a participant, with the images named in `image_ids`, and return a SendResult.

    The seq is taken from the conversation row under its row lock in the same transaction as
    the insert, so seqs are gap-free and strictly increasing even with concurrent senders.
    A retry with the same client_message_id returns the original message and does not count
    against the sending limit. With images, the text may be empty: the images are checked and
    locked (images.attachable_images) and attached in the same transaction as the insert, so
    either the message is stored with all of them or nothing is attached.
    Raises NotFound (not a participant), ValidationFailed (no text and no images, or a bad
    image: field image_ids), Conflict (client_message_id already used in another conversation),
    RateLimited, ServiceUnavailable (S3 unreachable while checking images).
    """
    conversation_for(sender_id, conversation_id)
    text = content_rules.sanitize(content or "")
    if not text and not image_ids:
        raise ValidationFailed("content", "must contain text once HTML is removed")
    if client_message_id:
        original = _original(sender_id, client_message_id, conversation_id)
        if original:
            return SendResult(original, created=False)
    try:
        attached = images.attachable_images(sender_id, conversation_id, list(image_ids)) if image_ids else []
    except Exception:
        db.session.rollback()  # releases the image row locks
        raise
    quota = take_send_slot(sender_id)
    seq = db.session.execute(
        update(Conversation).where(Conversation.id == conversation_id)
        .values(last_seq=Conversation.last_seq + 1, last_message_at=func.now())
        .returning(Conversation.last_seq)).scalar_one()
    message = Message(conversation_id=conversation_id, seq=seq, sender_id=sender_id, content=text,
                      client_message_id=client_message_id, images=attached)
    try:
        db.session.add(message)
        # The UPDATE autoflushes the INSERT: a duplicate client_message_id can fail here already.
        unarchive_for_all(conversation_id)
        db.session.commit()
    except IntegrityError:
        # A concurrent retry of the same client_message_id committed first.
        db.session.rollback()
        original = client_message_id and _original(sender_id, client_message_id, conversation_id)
        if not original:
            raise
        release_send_slot(sender_id)  # a retry does not count against the limit
        return SendResult(original, created=False)
    events.message_created(message)
    return SendResult(message, created=True, quota=quota)


def _original(sender_id, client_message_id, conversation_id):
    message = db.session.scalar(select(Message).where(Message.sender_id == sender_id,
                                                      Message.client_message_id == client_message_id))
    if message is not None and message.conversation_id != conversation_id:
        raise Conflict("client_message_id was already used for a message in another conversation",
                       details={"fields": {"client_message_id": ["already used in another conversation"]}})
    return message


def list_messages(user_id, conversation_id, *, before=None, after=None, limit=50):
    """Messages ordered by seq, oldest first, and whether more lie beyond the page.

    - neither cursor: the newest `limit` messages;
    - after=S: the first `limit` messages with seq > S (what a reconnecting client missed);
    - before=S: the `limit` messages just before S (scrolling back);
    - both: the window between them, from `after`.
    """
    conversation_for(user_id, conversation_id)
    query = select(Message).where(Message.conversation_id == conversation_id)
    if after is not None:
        query = query.where(Message.seq > after)
    if before is not None:
        query = query.where(Message.seq < before)
    newest_first = after is None
    query = query.order_by(Message.seq.desc() if newest_first else Message.seq.asc()).limit(limit + 1)
    rows = list(db.session.scalars(query))
    page, has_more = rows[:limit], len(rows) > limit
    if newest_first:
        page.reverse()
    return page, has_more


@dataclass
class ReadPosition:
    conversation_id: int
    user_id: int
    message_id: int
    seq: int
    read_at: object
    moved: bool  # False when the call changed nothing (idempotent repeat or an older message)


def mark_read(user_id, message_id):
    """Move the user's read position up to `message_id`: everything up to it counts as read.

    Never moves the position backwards; marking an older message again changes nothing.
    Sets read_at (and delivered_at) on the newly read messages from others.
    Raises NotFound unless the message is in one of the user's conversations.
    """
    row = db.session.execute(
        select(Message, Participant)
        .join(Participant, and_(Participant.conversation_id == Message.conversation_id,
                                Participant.user_id == user_id))
        .where(Message.id == message_id)
        .with_for_update(of=Participant)).first()
    if row is None:
        raise NotFound("message not found")
    message, participant = row
    previous = participant.last_read_seq
    moved = message.seq > previous
    if moved:
        participant.last_read_seq = message.seq
        participant.last_read_message_id = message.id
        db.session.execute(
            update(Message)
            .where(Message.conversation_id == message.conversation_id, Message.seq > previous,
                   Message.seq <= message.seq, Message.sender_id != user_id, Message.read_at.is_(None))
            .values(read_at=func.now(), delivered_at=func.coalesce(Message.delivered_at, func.now())))
    db.session.commit()
    db.session.refresh(participant)
    position_message = db.session.get(Message, participant.last_read_message_id) if participant.last_read_message_id else message
    db.session.refresh(position_message)
    position = ReadPosition(conversation_id=message.conversation_id, user_id=user_id, message_id=position_message.id,
                            seq=participant.last_read_seq, read_at=position_message.read_at, moved=moved)
    if moved:
        events.read_position_moved(position)
    return position


def get_message(user_id, message_id):
    """A message in one of the user's conversations. Raises NotFound otherwise."""
    message = db.session.get(Message, message_id)
    if message is None or db.session.get(Participant, (message.conversation_id, user_id)) is None:
        raise NotFound("message not found")
    return message


def delete_message(user_id, message_id):
    """Soft-delete a message: only its sender may. Sets deleted_at and clears the text; its
    images become cleanup candidates (image_cleanup). Deleting again changes nothing.

    Raises NotFound (not in one of the user's conversations), Forbidden (not the sender).
    """
    message = db.session.scalar(select(Message).where(Message.id == message_id).with_for_update(of=Message))
    if message is None or db.session.get(Participant, (message.conversation_id, user_id)) is None:
        raise NotFound("message not found")
    if message.sender_id != user_id:
        raise Forbidden("only the sender may delete a message")
    if message.deleted_at is not None:
        db.session.commit()
        return message
    message.deleted_at = func.now()
    message.content = ""
    db.session.commit()
    events.message_deleted(message)
    return message
