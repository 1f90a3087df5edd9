"""Sending, reading and paging messages. REST and Socket.IO both come through here."""
import logging
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, func, select, text, update

from app import metrics
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed, translate
from app.extensions import db
from app.models import Message, Participant, User
from app.services import content as content_rules
from app.services import events, images
from app.services.conversations import conversation_for
from app.services.send_limits import take_send_slot


@dataclass
class SendResult:
    message: Message
    created: bool  # False when a retry returned the message stored the first time
    quota: object = None  # send_limits.Quota, None for a retry (it did not count)


# Participation check, seq bump, insert and unarchive in one round trip. The seq comes from the
# conversation row, updated (and so locked) in the same transaction as the insert: seqs are
# gap-free and strictly increasing even with concurrent senders. A duplicate client_message_id
# inserts nothing (ON CONFLICT); the caller then rolls back, undoing the bump.
# No row comes back when the sender is not a participant; `id` is NULL for a duplicate.
_INSERT_MESSAGE = text("""
WITH member AS (
    SELECT u.username, u.display_name
    FROM conversation_participants p JOIN users u ON u.id = p.user_id
    WHERE p.conversation_id = :conversation_id AND p.user_id = :sender_id
), bump AS (
    UPDATE conversations SET last_seq = last_seq + 1, last_message_at = now()
    WHERE id = :conversation_id AND EXISTS (SELECT 1 FROM member)
    RETURNING last_seq
), inserted AS (
    INSERT INTO messages (conversation_id, seq, sender_id, content, client_message_id)
    SELECT :conversation_id, last_seq, :sender_id, :content, :client_message_id FROM bump
    ON CONFLICT (sender_id, client_message_id) DO NOTHING
    RETURNING id, seq, created_at
), unarchived AS (
    UPDATE conversation_participants SET archived_at = NULL
    WHERE conversation_id = :conversation_id AND archived_at IS NOT NULL AND EXISTS (SELECT 1 FROM inserted)
)
SELECT member.username, member.display_name, inserted.id, inserted.seq, inserted.created_at,
       ARRAY(SELECT user_id FROM conversation_participants WHERE conversation_id = :conversation_id)
           AS participant_ids
FROM member LEFT JOIN inserted ON true
""")


log = logging.getLogger(__name__)


def send_message(sender_id, conversation_id, content, client_message_id=None, image_ids=(), *, door):
    """Store a message from a participant, with the images named in `image_ids`, and return a SendResult.

    `door` ("rest" or "socket") is where it came in: each stored message is counted and logged
    with it (ids and duration, never the content), each refusal counted with its error code.

    Seqs are gap-free and strictly increasing per conversation (see _INSERT_MESSAGE).
    A retry with the same client_message_id returns the original message and does not count
    against the sending limit. With images, the text may be empty: the images are checked and
    locked (images.attachable_images) and attached in the same transaction as the insert, so
    either the message is stored with all of them or nothing is attached.
    Raises NotFound (not a participant), ValidationFailed (no text and no images, content too long
    as read (services.content), or a bad image: field image_ids), Conflict (client_message_id already
    used in another conversation), RateLimited, ServiceUnavailable (S3 unreachable while checking images).
    """
    started = time.perf_counter()
    try:
        result = _store(sender_id, conversation_id, content, client_message_id, image_ids)
    except Exception as exc:
        metrics.MESSAGES_REJECTED.labels(door, translate(exc).code).inc()
        raise
    if result.created:
        metrics.MESSAGES_STORED.labels(door).inc()
        log.info("message stored", extra={"message_id": result.message.id, "conversation_id": conversation_id,
                                          "door": door, "duration_s": round(time.perf_counter() - started, 4)})
    return result


def _store(sender_id, conversation_id, content, client_message_id, image_ids):
    text_ = content_rules.user_text("content", content or "", current_app.config["MESSAGE_MAX_LENGTH"],
                                    required=False)
    if not text_ and not image_ids:
        raise ValidationFailed("content", "must contain text once HTML is removed, unless image_ids is given")
    try:
        attached = []
        if image_ids:
            # The image checks lock rows and ask S3: settle who may send, and whether this is a
            # retry of a message whose images are attached already, before them.
            conversation_for(sender_id, conversation_id)
            original = client_message_id and _original(sender_id, client_message_id, conversation_id)
            if original:
                return SendResult(original, created=False)
            attached = images.attachable_images(sender_id, conversation_id, list(image_ids))
        row = db.session.execute(_INSERT_MESSAGE, {
            "conversation_id": conversation_id, "sender_id": sender_id, "content": text_,
            "client_message_id": client_message_id}).one_or_none()
        if row is None:
            raise NotFound("conversation not found")
        if row.id is None:  # a retry: this client_message_id is stored already
            db.session.rollback()
            return SendResult(_original(sender_id, client_message_id, conversation_id), created=False)
        # After the insert, so a retry never counts; before the commit, so concurrent sends never
        # exceed the limit. (A commit that then fails, PostgreSQL lost mid-send, keeps its slot.)
        quota = take_send_slot(sender_id)
        for image in attached:
            image.message_id = row.id
        db.session.commit()
    except BaseException:
        db.session.rollback()  # undoes the seq bump and releases row locks
        raise
    message = Message(id=row.id, conversation_id=conversation_id, seq=row.seq, sender_id=sender_id,
                      content=text_, client_message_id=client_message_id, created_at=row.created_at,
                      sender=User(id=sender_id, username=row.username, display_name=row.display_name),
                      images=attached)
    events.message_created(message, row.participant_ids)
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
