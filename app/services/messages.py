"""Sending, reading and paging messages. REST and Socket.IO both come through here."""
import functools
import logging
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, bindparam, delete, exists, func, select, text
from sqlalchemy.orm.attributes import set_committed_value

from app import metrics
from app.auth import tokens
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed, translate
from app.extensions import db
from app.models import Message, MessageReaction, MessageVersion, Participant, ReplyParent, User
from app.services import content as content_rules
from app.services import event_log, events, images, mentions, message_rows
from app.services.conversations import conversation_for, is_group_admin
from app.services.send_limits import take_send_slot


@dataclass
class SendResult:
    message: Message
    created: bool  # False when a retry returned the message stored the first time
    quota: object = None  # send_limits.Quota, None for a retry (it did not count)
    # The message in the wire format (schemas.messages.MessageSchema) as its events carried it, for
    # a door to answer with (dumped once per send); None for a retry.
    dumped: dict = None


# Participation check, reply check, seq and event_seq bump, insert (with its mentions), logging,
# unarchive: one round trip. The seqs come from the conversation row, updated (and so locked) in
# the same transaction as the insert: seq and event_seq are gap-free and strictly increasing even
# with concurrent senders and other changes (services.event_log). A duplicate client_message_id
# inserts nothing (ON CONFLICT); the caller then rolls back, undoing the bump. (bench/relay.py's
# persisting relay runs it too: PostgreSQL's share of a send, measured alone.)
# No row comes back when the sender is not a participant; `id` is NULL for a duplicate, and for a
# reply_to_id that names no message of the conversation (then `parent_id` is NULL too).
INSERT_MESSAGE = text(f"""
WITH member AS (
    SELECT u.username, u.display_name
    FROM conversation_participants p JOIN users u ON u.id = p.user_id
    WHERE p.conversation_id = :conversation_id AND p.user_id = :sender_id
), parent AS (
    SELECT m.id, m.seq, m.content, m.deleted_at, m.sender_id, s.username, s.display_name
    FROM messages m LEFT JOIN users s ON s.id = m.sender_id
    WHERE m.id = :reply_to_id AND m.conversation_id = :conversation_id
), bump AS (
    UPDATE conversations SET last_seq = last_seq + 1, last_event_seq = last_event_seq + 1, last_message_at = now()
    WHERE id = :conversation_id AND EXISTS (SELECT 1 FROM member)
        AND (CAST(:reply_to_id AS bigint) IS NULL OR EXISTS (SELECT 1 FROM parent))
    RETURNING last_seq, last_event_seq
), inserted AS (
    INSERT INTO messages (conversation_id, seq, sender_id, content, client_message_id, reply_to_id, mentions)
    SELECT :conversation_id, last_seq, :sender_id, :content, :client_message_id, :reply_to_id,
           ({mentions.MENTIONED_PARTICIPANTS})
    FROM bump
    ON CONFLICT (sender_id, client_message_id) DO NOTHING
    RETURNING id, seq, created_at, mentions
), logged AS (
    INSERT INTO conversation_events (conversation_id, event_seq, type, message_id)
    SELECT :conversation_id, bump.last_event_seq, 'message_received', inserted.id FROM bump, inserted
), unarchived AS (
    UPDATE conversation_participants SET archived_at = NULL
    WHERE conversation_id = :conversation_id AND archived_at IS NOT NULL AND EXISTS (SELECT 1 FROM inserted)
)
SELECT member.username, member.display_name, inserted.id, inserted.seq, inserted.created_at, inserted.mentions,
       bump.last_event_seq AS event_seq, parent.id AS parent_id, parent.seq AS parent_seq,
       parent.content AS parent_content, parent.deleted_at AS parent_deleted_at,
       parent.sender_id AS parent_sender_id, parent.username AS parent_username,
       parent.display_name AS parent_display_name,
       ARRAY(SELECT user_id FROM conversation_participants WHERE conversation_id = :conversation_id)
           AS participant_ids
FROM member LEFT JOIN inserted ON true LEFT JOIN bump ON true LEFT JOIN parent ON true
""")


log = logging.getLogger(__name__)


def send_message(sender_id, conversation_id, content, client_message_id=None, image_ids=(), reply_to_id=None, *,
                 door, token_id=None):
    """Store a message from a participant, with the images named in `image_ids`, and return a SendResult.

    `door` ("rest" or "socket") is where it came in: each stored message is counted and logged
    with it (ids and duration, never the content), each refusal counted with its error code.

    Seqs are gap-free and strictly increasing per conversation (see INSERT_MESSAGE).
    A retry with the same client_message_id returns the original message and does not count
    against the sending limit. With images, the text may be empty: the images are checked and
    locked (images.attachable_images) and attached in the same transaction as the insert, so
    either the message is stored with all of them or nothing is attached. `@username` of a
    participant in the text mentions them (services.mentions).
    `token_id` (the jti of the sender's access token) is for a door that leaves the token's
    revocation check to this call: it is made in the round trip that takes the sending slot, before
    the commit (a retry, which takes no slot, makes it on its own), so a revoked token stores nothing.
    Raises TokenRevoked (a revoked `token_id`), NotFound (not a participant), ValidationFailed (no
    text and no images, content too long as read (services.content), a bad image: field image_ids,
    or a reply_to_id that names no message of the conversation), Conflict (client_message_id
    already used in another conversation), RateLimited, ServiceUnavailable (S3 unreachable while
    checking images).
    """
    started = time.perf_counter()
    try:
        result = _store(sender_id, conversation_id, content, client_message_id, image_ids, reply_to_id, token_id)
    except Exception as exc:
        metrics.MESSAGES_REJECTED.labels(door, translate(exc).code).inc()
        raise
    if result.created:
        metrics.MESSAGES_STORED.labels(door).inc()
        log.info("message stored", extra={"message_id": result.message.id, "conversation_id": conversation_id,
                                          "door": door, "duration_s": round(time.perf_counter() - started, 4)})
    return result


def _store(sender_id, conversation_id, content, client_message_id, image_ids, reply_to_id, token_id):
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
                _refuse_revoked(token_id)
                return SendResult(original, created=False)
            attached = images.attachable_images(sender_id, conversation_id, list(image_ids))
        row = db.session.execute(INSERT_MESSAGE, {
            "conversation_id": conversation_id, "sender_id": sender_id, "content": text_,
            "client_message_id": client_message_id, "reply_to_id": reply_to_id,
            "mention_names": mentions.mentioned_names(text_)}).one_or_none()
        if row is None:
            raise NotFound("conversation not found")
        if reply_to_id is not None and row.parent_id is None:
            raise ValidationFailed("reply_to_id", "not a message of this conversation")
        if row.id is None:  # a retry: this client_message_id is stored already
            db.session.rollback()
            _refuse_revoked(token_id)
            return SendResult(_original(sender_id, client_message_id, conversation_id), created=False)
        # After the insert, so a retry never counts; before the commit, so concurrent sends never
        # exceed the limit. (A commit that then fails, PostgreSQL lost mid-send, keeps its slot.)
        quota = take_send_slot(sender_id, token_id)
        for image in attached:
            image.message_id = row.id
        db.session.commit()
    except BaseException:
        db.session.rollback()  # undoes the seq bump and releases row locks
        raise
    message = Message(id=row.id, conversation_id=conversation_id, seq=row.seq, kind="user", sender_id=sender_id,
                      content=text_, client_message_id=client_message_id, reply_to_id=reply_to_id,
                      mentions=row.mentions, created_at=row.created_at,
                      sender=User(id=sender_id, username=row.username, display_name=row.display_name),
                      images=attached)
    set_committed_value(message, "reactions", [])
    set_committed_value(message, "reply_to", _parent(row, conversation_id))
    dumped = events.message_created(message, row.participant_ids, row.event_seq)
    return SendResult(message, created=True, quota=quota, dumped=dumped)


def _refuse_revoked(token_id):
    """Raises TokenRevoked if `token_id` is given and revoked."""
    if token_id is not None:
        tokens.refuse_revoked(token_id)


def _parent(row, conversation_id):
    """The replied-to message as the send statement read it, or None."""
    if row.parent_id is None:
        return None
    parent = ReplyParent(id=row.parent_id, conversation_id=conversation_id, seq=row.parent_seq,
                         content=row.parent_content, deleted_at=row.parent_deleted_at, sender_id=row.parent_sender_id)
    set_committed_value(parent, "sender", None if row.parent_sender_id is None else User(
        id=row.parent_sender_id, username=row.parent_username, display_name=row.parent_display_name))
    return parent


def _original(sender_id, client_message_id, conversation_id):
    message = db.session.scalar(select(Message).where(Message.sender_id == sender_id,
                                                      Message.client_message_id == client_message_id))
    if message is not None and message.conversation_id != conversation_id:
        raise Conflict("client_message_id was already used for a message in another conversation",
                       details={"fields": {"client_message_id": ["already used in another conversation"]}})
    return message


def list_messages(user_id, conversation_id, *, before=None, after=None, limit=50):
    """Messages (message_rows.MessageView) ordered by seq, oldest first, and whether more lie
    beyond the page.

    - neither cursor: the newest `limit` messages;
    - after=S: the first `limit` messages with seq > S (what a reconnecting client missed);
    - before=S: the `limit` messages just before S (scrolling back);
    - both: the window between them, from `after`.

    Raises NotFound unless the user takes part in the conversation.
    """
    values = {"user_id": user_id, "conversation_id": conversation_id, "limit": limit + 1}
    values.update({name: value for name, value in (("after", after), ("before", before)) if value is not None})
    rows = db.session.execute(_page(after is not None, before is not None), values).all()
    if not rows:
        conversation_for(user_id, conversation_id)
    page, has_more = [message_rows.message_view(row) for row in rows[:limit]], len(rows) > limit
    if after is None:  # read newest first
        page.reverse()
    return page, has_more


@functools.cache
def _page(after, before):
    """The statement of list_messages's page, with bound parameters (`user_id`, `conversation_id`,
    `limit`, and `after` / `before` when given). Built once per shape: building it costs more CPU
    than running it. The membership check rides in it: only an empty page needs it alone, to tell
    an empty window from a conversation the user does not see."""
    query = select().select_from(Message).where(
        Message.conversation_id == bindparam("conversation_id"),
        exists().where(Participant.conversation_id == bindparam("conversation_id"),
                       Participant.user_id == bindparam("user_id")))
    if after:
        query = query.where(Message.seq > bindparam("after"))
    if before:
        query = query.where(Message.seq < bindparam("before"))
    query = query.order_by(Message.seq.asc() if after else Message.seq.desc()).limit(bindparam("limit"))
    return message_rows.with_message_columns(query, Message)


@dataclass
class ReadPosition:
    conversation_id: int
    user_id: int
    message_id: int
    seq: int
    read_at: object
    moved: bool  # False when the call changed nothing (idempotent repeat or an older message)


# Mark read in one round trip. `target` locks the caller's participant row (so concurrent marks
# of one user apply one after the other) and reads their position as it is once locked; the two
# updates run only when the position moves forward. Every now() is the transaction's start: the
# times written are the time returned. No row comes back unless the message is in one of the
# user's conversations.
_MARK_READ = text("""
WITH target AS (
    SELECT m.conversation_id, m.seq, p.last_read_seq AS previous_seq,
           p.last_read_message_id AS previous_message_id, p.last_read_at AS previous_read_at
    FROM messages m JOIN conversation_participants p
        ON p.conversation_id = m.conversation_id AND p.user_id = :user_id
    WHERE m.id = :message_id
    FOR UPDATE OF p
), moved AS (
    UPDATE conversation_participants p
    SET last_read_seq = t.seq, last_read_message_id = :message_id, last_read_at = now(),
        last_delivered_at = CASE WHEN t.seq > p.last_delivered_seq THEN now() ELSE p.last_delivered_at END,
        last_delivered_seq = GREATEST(p.last_delivered_seq, t.seq)
    FROM target t
    WHERE p.conversation_id = t.conversation_id AND p.user_id = :user_id AND t.seq > t.previous_seq
), marked AS (
    UPDATE messages m SET read_at = now(), delivered_at = COALESCE(m.delivered_at, now())
    FROM target t
    WHERE m.conversation_id = t.conversation_id AND m.seq > t.previous_seq AND m.seq <= t.seq
        AND m.sender_id != :user_id AND m.read_at IS NULL
)
SELECT t.conversation_id, t.seq, t.previous_seq, t.previous_message_id, t.previous_read_at, now() AS now,
       ARRAY(SELECT user_id FROM conversation_participants WHERE conversation_id = t.conversation_id)
           AS participant_ids
FROM target t
""")


def mark_read(user_id, message_id):
    """Move the user's read position up to `message_id`: everything up to it counts as read (and
    received: the delivery position follows).

    Never moves the position backwards; marking an older message again changes nothing.
    Sets read_at (and delivered_at) on the newly read messages from others.
    Raises NotFound unless the message is in one of the user's conversations.
    """
    try:
        row = db.session.execute(_MARK_READ, {"user_id": user_id, "message_id": message_id}).first()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    if row is None:
        raise NotFound("message not found")
    moved = row.seq > row.previous_seq
    if moved:
        position = ReadPosition(conversation_id=row.conversation_id, user_id=user_id, message_id=message_id,
                                seq=row.seq, read_at=row.now, moved=True)
        events.read_position_moved(position, row.participant_ids)
    else:
        position = ReadPosition(conversation_id=row.conversation_id, user_id=user_id,
                                message_id=row.previous_message_id or message_id, seq=row.previous_seq,
                                read_at=row.previous_read_at, moved=False)
    return position


def message_for(user_id, message_id, fresh=False):
    """The message if `user_id` takes part in its conversation (read again from the database if
    `fresh`, even when this session holds it). Raises NotFound otherwise, whether or not it exists."""
    message = db.session.scalar(
        select(Message).join(Participant, and_(Participant.conversation_id == Message.conversation_id,
                                               Participant.user_id == user_id))
        .where(Message.id == message_id).execution_options(populate_existing=fresh))
    if message is None:
        raise NotFound("message not found")
    return message


def _check_may_delete(user_id, message):
    """Raises Forbidden unless the user may delete the message: its sender, or an admin of its
    group. System messages stay: they are the record of what changed."""
    if message.kind == "system":
        raise Forbidden("system messages cannot be deleted")
    if message.sender_id != user_id and not is_group_admin(user_id, message.conversation_id):
        raise Forbidden("only the sender or an admin of the group may delete a message")


def delete_message(user_id, message_id):
    """Soft-delete a message, as its sender or an admin of its group. Sets deleted_at and clears
    the text, its earlier versions and its reactions; its images become cleanup candidates
    (image_cleanup). Deleting again changes nothing.

    Raises NotFound (not in one of the user's conversations), Forbidden (see _check_may_delete).
    """
    message = message_for(user_id, message_id)
    _check_may_delete(user_id, message)
    if message.deleted_at is None:
        event_log.lock(message.conversation_id)
        # Again under the lock: the caller may have lost their role or left, or someone deleted it.
        message = message_for(user_id, message_id, fresh=True)
        _check_may_delete(user_id, message)
    if message.deleted_at is not None:
        db.session.commit()
        return message
    message.deleted_at = func.now()
    message.content = ""
    message.mentions = []
    db.session.execute(delete(MessageVersion).where(MessageVersion.message_id == message.id))
    db.session.execute(delete(MessageReaction).where(MessageReaction.message_id == message.id))
    logged = event_log.record(message.conversation_id, "message_deleted", message=message)
    db.session.commit()
    events.conversation_changed(message.conversation_id, [logged])
    return message
