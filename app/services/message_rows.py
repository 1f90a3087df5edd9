"""Messages as the read paths show them (a page of messages, the conversation list's last
messages), read in the statement that finds them.

Loading full ORM Messages cost a statement each for their images, reactions and reply parents
(selectin) beside the page itself, and an identity map for rows that are only dumped: most of the
REST API's CPU per request (bench/RESULTS.md, target 6). Here one SQLAlchemy Core statement brings
the columns MessageSchema dumps, each message's images and reactions aggregated into JSON, and
MessageView carries them to the schema.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import aliased

from app.models import Message, MessageImage, MessageReaction, User


@dataclass(slots=True)
class UserView:
    id: int
    username: str
    display_name: str


@dataclass(slots=True)
class ImageView:
    id: int
    content_type: str
    size: int
    s3_key: str


@dataclass(slots=True)
class ReactionView:
    emoji: str
    user_id: int


@dataclass(slots=True)
class ReplyParentView:
    id: int
    seq: int
    sender: UserView | None
    content: str
    deleted_at: datetime | None


@dataclass(slots=True)
class MessageView:
    """What MessageSchema dumps of a message, as Message has it."""

    id: int
    conversation_id: int
    seq: int
    kind: str
    event: dict | None
    sender_id: int | None
    sender: UserView | None
    content: str
    client_message_id: str | None
    reply_to: ReplyParentView | None
    mentions: list
    reactions: list  # ReactionView, in the order they were made
    created_at: datetime
    edited_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None
    deleted_at: datetime | None
    images: list  # ImageView, by id


_MESSAGE_COLUMNS = ("id", "conversation_id", "seq", "kind", "event", "sender_id", "content", "client_message_id",
                    "mentions", "created_at", "edited_at", "delivered_at", "read_at", "deleted_at")


def with_message_columns(query, message):
    """`query` with the columns message_view() reads of `message` (Message or an alias of it, in
    the query's FROM already), its sender, reply parent and the parent's sender outer-joined.
    Every column is labelled `m_...`: the query's own columns keep their names."""
    sender, parent, parent_sender = aliased(User), aliased(Message), aliased(User)
    images = (select(func.json_agg(aggregate_order_by(
                  func.json_build_array(MessageImage.id, MessageImage.content_type, MessageImage.size,
                                        MessageImage.s3_key), MessageImage.id)))
              .where(MessageImage.message_id == message.id).scalar_subquery())
    reactions = (select(func.json_agg(aggregate_order_by(
                     func.json_build_array(MessageReaction.emoji, MessageReaction.user_id),
                     MessageReaction.created_at, MessageReaction.user_id)))
                 .where(MessageReaction.message_id == message.id).scalar_subquery())
    return (query.add_columns(
                *(getattr(message, name).label(f"m_{name}") for name in _MESSAGE_COLUMNS),
                sender.username.label("m_sender_username"), sender.display_name.label("m_sender_display_name"),
                parent.id.label("m_parent_id"), parent.seq.label("m_parent_seq"), parent.content.label("m_parent_content"),
                parent.deleted_at.label("m_parent_deleted_at"), parent.sender_id.label("m_parent_sender_id"),
                parent_sender.username.label("m_parent_sender_username"),
                parent_sender.display_name.label("m_parent_sender_display_name"),
                images.label("m_images"), reactions.label("m_reactions"))
            .outerjoin(sender, sender.id == message.sender_id)
            .outerjoin(parent, parent.id == message.reply_to_id)
            .outerjoin(parent_sender, parent_sender.id == parent.sender_id))


def message_view(row):
    """The MessageView of a row of a query given with_message_columns(), or None when its message
    columns are null (an outer join that found no message)."""
    if row.m_id is None:
        return None
    reply_to = None
    if row.m_parent_id is not None:
        reply_to = ReplyParentView(row.m_parent_id, row.m_parent_seq,
                                   _user(row.m_parent_sender_id, row.m_parent_sender_username,
                                         row.m_parent_sender_display_name),
                                   row.m_parent_content, row.m_parent_deleted_at)
    return MessageView(
        id=row.m_id, conversation_id=row.m_conversation_id, seq=row.m_seq, kind=row.m_kind, event=row.m_event,
        sender_id=row.m_sender_id, sender=_user(row.m_sender_id, row.m_sender_username, row.m_sender_display_name),
        content=row.m_content, client_message_id=row.m_client_message_id, reply_to=reply_to,
        mentions=row.m_mentions, reactions=[ReactionView(*pair) for pair in row.m_reactions or ()],
        created_at=row.m_created_at, edited_at=row.m_edited_at, delivered_at=row.m_delivered_at,
        read_at=row.m_read_at, deleted_at=row.m_deleted_at, images=[ImageView(*image) for image in row.m_images or ()])


def _user(user_id, username, display_name):
    # The sender's row is gone (ON DELETE SET NULL) or there never was one (a system message).
    return None if user_id is None else UserView(user_id, username, display_name)
