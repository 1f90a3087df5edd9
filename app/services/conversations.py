"""Conversations: who may see them, creating, listing, archiving."""
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, func, select, tuple_
from sqlalchemy.exc import IntegrityError

from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.models import Conversation, Message, Participant, User
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
    conversation: Conversation
    participant: Participant
    unread_count: int
    unread_mention_count: int
    last_message: Message | None


def _activity():
    return func.coalesce(Conversation.last_message_at, Conversation.created_at)


def list_conversations(user_id, *, archived=False, cursor=None, limit=20):
    """A page of the user's conversations, most recent activity first.

    Returns (summaries, next_cursor); next_cursor is None on the last page.
    """
    query = (select(Conversation, Participant, _activity().label("activity"))
             .join(Participant, and_(Participant.conversation_id == Conversation.id, Participant.user_id == user_id))
             .where(Participant.archived_at.isnot(None) if archived else Participant.archived_at.is_(None))
             .order_by(_activity().desc(), Conversation.id.desc())
             .limit(limit + 1))
    if cursor:
        try:
            activity, conversation_id = decode_cursor(cursor)
            position = (datetime.fromisoformat(activity), int(conversation_id))
        except (TypeError, ValueError):
            raise ValidationFailed("cursor", "not a cursor returned by this API")
        query = query.where(tuple_(_activity(), Conversation.id) < tuple_(*position))
    rows = db.session.execute(query).all()
    page, more = rows[:limit], len(rows) > limit
    unread = unread_counts(user_id, [row.Conversation.id for row in page])
    last = last_messages([row.Conversation for row in page])
    summaries = [ConversationSummary(row.Conversation, row.Participant, *unread.get(row.Conversation.id, (0, 0)),
                                     last.get(row.Conversation.id)) for row in page]
    next_cursor = encode_cursor(page[-1].activity.isoformat(), page[-1].Conversation.id) if more else None
    return summaries, next_cursor


def unread_by(user_id, last_read_seq):
    """What counts as unread for a participant: messages from others after their read position
    (`last_read_seq`, a value or a column), not deleted, not system messages."""
    return and_(Message.seq > last_read_seq, Message.sender_id != user_id, Message.deleted_at.is_(None),
                Message.kind == "user")


def mentioning(user_id):
    """Messages that mention the user."""
    return Message.mentions.any(user_id)


def unread_counts(user_id, conversation_ids):
    """{conversation_id: (messages unread by the user (unread_by), those of them mentioning the user)}."""
    if not conversation_ids:
        return {}
    rows = db.session.execute(
        select(Message.conversation_id, func.count(), func.count().filter(mentioning(user_id)))
        .join(Participant, and_(Participant.conversation_id == Message.conversation_id,
                                Participant.user_id == user_id))
        .where(Message.conversation_id.in_(conversation_ids), unread_by(user_id, Participant.last_read_seq))
        .group_by(Message.conversation_id))
    return {conversation_id: (unread, mentions) for conversation_id, unread, mentions in rows}


def last_messages(conversations):
    """{conversation_id: newest message}, found by (conversation_id, last_seq): one index probe each."""
    keys = [(c.id, c.last_seq) for c in conversations if c.last_seq]
    if not keys:
        return {}
    rows = db.session.scalars(select(Message).where(tuple_(Message.conversation_id, Message.seq).in_(keys)))
    return {message.conversation_id: message for message in rows}


def conversation_summary(user_id, conversation_id):
    """One conversation as the list shows it, plus its participants. Raises NotFound for non-participants."""
    conversation = conversation_for(user_id, conversation_id)
    participant = next(p for p in conversation.participants if p.user_id == user_id)
    unread = unread_counts(user_id, [conversation.id]).get(conversation.id, (0, 0))
    return ConversationSummary(conversation, participant, *unread, last_messages([conversation]).get(conversation.id))


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
