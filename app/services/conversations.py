"""Conversations: who may see them, creating, listing, archiving."""
import functools
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, bindparam, func, select, true, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.models import Conversation, Message, Participant, User
from app.services import message_rows
from app.services.content import user_text
from app.services.pagination import decode_cursor, encode_cursor

TITLE_MAX_LENGTH = 120


def conversation_for(user_id, conversation_id):
    """The conversation if `user_id` takes part in it. Raises NotFound otherwise, whether or not it exists."""
    conversation = db.session.scalar(
        select(Conversation)
        .join(Participant, and_(Participant.conversation_id == Conversation.id, Participant.user_id == user_id))
        .where(Conversation.id == conversation_id))
    if conversation is None:
        raise NotFound("conversation not found")
    return conversation


def participation(user_id, conversation_id):
    """The caller's participant row. Raises NotFound if they do not take part."""
    participant = db.session.get(Participant, (conversation_id, user_id))
    if participant is None:
        raise NotFound("conversation not found")
    return participant


@dataclass
class Position:
    """Where a conversation stands: its newest message and its newest logged change."""

    last_seq: int
    last_event_seq: int


def is_group_admin(user_id, conversation_id):
    """Whether the user is an admin of the conversation (as stored now). Direct conversations have none."""
    role = db.session.scalar(select(Participant.role).where(Participant.conversation_id == conversation_id,
                                                            Participant.user_id == user_id))
    return role == "admin"


def last_seqs(user_ids):
    """{user_id: {conversation_id: Position}} over every conversation each user takes part in."""
    found = {user_id: {} for user_id in user_ids}
    rows = db.session.execute(select(Participant.user_id, Conversation.id, Conversation.last_seq,
                                     Conversation.last_event_seq)
                              .join(Conversation, Conversation.id == Participant.conversation_id)
                              .where(Participant.user_id.in_(user_ids)))
    for user_id, conversation_id, last_seq, last_event_seq in rows:
        found[user_id][conversation_id] = Position(last_seq, last_event_seq)
    return found


def participant_ids(conversation_id):
    return list(db.session.scalars(select(Participant.user_id).where(Participant.conversation_id == conversation_id)))


def create_conversation(creator_id, other_ids, title=None):
    """A direct conversation (one other participant, no title) or a group.

    Returns (conversation, created). A direct conversation between two users exists once:
    asking again returns the existing one with created=False. `title` follows services.content's rule.
    Raises ValidationFailed if a participant does not exist, the group is too large or the title breaks the rule.
    """
    if title is not None:
        title = user_text("title", title, TITLE_MAX_LENGTH)
    others = sorted(set(other_ids) - {creator_id})
    if not others:
        raise ValidationFailed("participant_ids", "name at least one user other than yourself")
    max_size = current_app.config["MAX_GROUP_SIZE"]
    if len(others) + 1 > max_size:
        raise ValidationFailed("participant_ids", f"a conversation has at most {max_size} participants")
    found = set(db.session.scalars(select(User.id).where(User.id.in_(others))))
    missing = [uid for uid in others if uid not in found]
    if missing:
        raise ValidationFailed("participant_ids", f"unknown user ids: {missing}")

    direct = len(others) == 1 and not title
    if direct:
        direct_key = ":".join(str(uid) for uid in sorted([creator_id, others[0]]))
        existing = db.session.scalar(select(Conversation).where(Conversation.direct_key == direct_key))
        if existing:
            return existing, False
    conversation = Conversation(kind="direct" if direct else "group", title=title, created_by=creator_id,
                                direct_key=direct_key if direct else None)
    # A group's creator is its admin; a direct conversation has no roles to give.
    conversation.participants = [Participant(user_id=uid, role="admin" if uid == creator_id and not direct
                                             else "member") for uid in [creator_id, *others]]
    db.session.add(conversation)
    try:
        db.session.commit()
    except IntegrityError:
        # Both users opened their direct conversation at the same moment: the other insert won.
        db.session.rollback()
        if not direct:
            raise
        return db.session.scalar(select(Conversation).where(Conversation.direct_key == direct_key)), False
    return conversation, True


@dataclass
class ConversationSummary:
    """A conversation as the list shows it. `conversation` and `participant` carry the columns
    ConversationSchema reads of the conversation and of the caller's participant row (one row of
    _summaries() carries both)."""

    conversation: object
    participant: object
    unread_count: int
    unread_mention_count: int
    last_message: message_rows.MessageView | None
    participants: list | None = None  # Participant, in conversation details only


def _activity():
    return func.coalesce(Conversation.last_message_at, Conversation.created_at)


@functools.cache
def _summaries(archived=None, after_position=False):
    """The statement behind ConversationSummary: the caller's conversations, most recent activity
    first, each with the caller's participant columns, unread counts and newest message, in one
    round trip (the counts and the message are found for the page's rows only, after the limit).

    Its values are bound parameters: `user_id` and `limit`; `conversation_id` (that one
    conversation) when `archived` is None, else the conversations archived or not; with
    `after_position`, those past (`activity`, `position_id`) in the order. Built once per shape:
    building it and its cache key cost more CPU than PostgreSQL spends running it.
    """
    user_id = bindparam("user_id")
    if archived is None:
        conditions = [Conversation.id == bindparam("conversation_id")]
    else:
        conditions = [Participant.archived_at.isnot(None) if archived else Participant.archived_at.is_(None)]
    if after_position:
        conditions.append(tuple_(_activity(), Conversation.id) < tuple_(bindparam("activity"), bindparam("position_id")))
    page = (select(Conversation.id, Conversation.kind, Conversation.title, Conversation.created_by,
                   Conversation.created_at, Conversation.last_message_at, Conversation.last_seq,
                   Conversation.last_event_seq, Participant.archived_at, Participant.muted,
                   Participant.last_read_seq, _activity().label("activity"))
            .join(Participant, and_(Participant.conversation_id == Conversation.id, Participant.user_id == user_id))
            .where(*conditions)
            .order_by(_activity().desc(), Conversation.id.desc())
            .limit(bindparam("limit"))
            .subquery("page"))
    unread = (select(func.count().label("unread_count"),
                     func.count().filter(mentioning(user_id)).label("unread_mention_count"))
              .where(Message.conversation_id == page.c.id, unread_by(user_id, page.c.last_read_seq))
              .lateral("unread"))
    last = aliased(Message)
    query = (select(page, unread.c.unread_count, unread.c.unread_mention_count)
             .select_from(page)
             .join(unread, true())
             .outerjoin(last, and_(last.conversation_id == page.c.id, last.seq == page.c.last_seq))
             .order_by(page.c.activity.desc(), page.c.id.desc()))
    return message_rows.with_message_columns(query, last)


def _summary(row):
    return ConversationSummary(row, row, row.unread_count, row.unread_mention_count, message_rows.message_view(row))


def list_conversations(user_id, *, archived=False, cursor=None, limit=20):
    """A page of the user's conversations, most recent activity first.

    Returns (summaries, next_cursor); next_cursor is None on the last page.
    Raises ValidationFailed for a cursor this function did not return.
    """
    values = {"user_id": user_id, "limit": limit + 1}
    if cursor:
        try:
            activity, conversation_id = decode_cursor(cursor)
            values.update(activity=datetime.fromisoformat(activity), position_id=int(conversation_id))
        except (TypeError, ValueError):
            raise ValidationFailed("cursor", "not a cursor returned by this API")
    rows = db.session.execute(_summaries(archived, after_position=bool(cursor)), values).all()
    page, more = rows[:limit], len(rows) > limit
    next_cursor = encode_cursor(page[-1].activity.isoformat(), page[-1].id) if more else None
    return [_summary(row) for row in page], next_cursor


def unread_by(user_id, last_read_seq):
    """What counts as unread for a participant: messages from others after their read position
    (`user_id` and `last_read_seq`: values, columns or bound parameters), not deleted, not system
    messages."""
    return and_(Message.seq > last_read_seq, Message.sender_id != user_id, Message.deleted_at.is_(None),
                Message.kind == "user")


def mentioning(user_id):
    """Messages that mention the user."""
    return Message.mentions.any(user_id)


def conversation_summary(user_id, conversation_id):
    """One conversation as the list shows it, plus its participants. Raises NotFound for non-participants."""
    row = db.session.execute(_summaries(), {"user_id": user_id, "conversation_id": conversation_id,
                                            "limit": 1}).first()
    if row is None:
        raise NotFound("conversation not found")
    summary = _summary(row)
    summary.participants = db.session.get(Conversation, conversation_id).participants
    return summary


def set_archived(user_id, conversation_id, archived):
    """Archive or unarchive the conversation for this user only. Idempotent."""
    participant = participation(user_id, conversation_id)
    if archived and participant.archived_at is None:
        participant.archived_at = func.now()
    elif not archived:
        participant.archived_at = None
    db.session.commit()
    return participant


def set_muted(user_id, conversation_id, muted):
    """Mute or unmute the conversation for this user only (muted conversations send no push). Idempotent."""
    participant = participation(user_id, conversation_id)
    participant.muted = muted
    db.session.commit()
    return participant
