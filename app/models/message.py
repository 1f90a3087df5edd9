from sqlalchemy import Computed, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR

from app.extensions import db

KINDS = ("user", "system")


class Message(db.Model):
    __tablename__ = "messages"

    id = db.Column(db.BigInteger, db.Identity(), primary_key=True)
    conversation_id = db.Column(db.BigInteger, db.ForeignKey("conversations.id", ondelete="CASCADE"),
                                nullable=False)
    # Gap-free and strictly increasing within a conversation (see services.messages.send_message).
    seq = db.Column(db.BigInteger, nullable=False)
    # "user": written by its sender; "system": a record of a change to the conversation (its
    # `event`, e.g. who added whom), sent by whoever made the change (null when nobody did).
    kind = db.Column(db.String(10), nullable=False, server_default="user")
    event = db.Column(JSONB(none_as_null=True))
    sender_id = db.Column(db.BigInteger, db.ForeignKey("users.id", ondelete="SET NULL"))
    content = db.Column(db.Text, nullable=False, server_default="")
    client_message_id = db.Column(db.String(64))
    reply_to_id = db.Column(db.BigInteger, db.ForeignKey("messages.id", ondelete="SET NULL"))
    # The participants mentioned by @username when the text was written (services.mentions).
    mentions = db.Column(ARRAY(db.BigInteger), nullable=False, server_default="{}")
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, server_default=func.now())
    edited_at = db.Column(db.DateTime(timezone=True))
    delivered_at = db.Column(db.DateTime(timezone=True))
    read_at = db.Column(db.DateTime(timezone=True))
    deleted_at = db.Column(db.DateTime(timezone=True))
    # english_unaccent: english, accents ignored (migration 0006); services.search.TS_CONFIG.
    search_text = db.Column(TSVECTOR, Computed("to_tsvector('english_unaccent'::regconfig, content)", persisted=True))

    sender = db.relationship("User", lazy="joined")
    images = db.relationship("MessageImage", lazy="selectin", order_by="MessageImage.id")
    # Each loaded once per page of messages (selectin), never once per message.
    reply_to = db.relationship("ReplyParent", lazy="selectin", viewonly=True, remote_side="ReplyParent.id",
                               primaryjoin="Message.reply_to_id == ReplyParent.id")
    reactions = db.relationship("MessageReaction", lazy="selectin", viewonly=True,
                                order_by="(MessageReaction.created_at, MessageReaction.user_id)")

    __table_args__ = (
        db.UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_id_seq"),
        db.UniqueConstraint("sender_id", "client_message_id", name="uq_messages_sender_id_client_message_id"),
        db.CheckConstraint(f"kind IN {KINDS}", name="kind"),
        # Search walks these newest first (services.search); the first also serves the foreign key.
        db.Index("ix_messages_sender_id", "sender_id", "created_at", "id"),
        db.Index("ix_messages_created_at", "created_at", "id"),
        db.Index("ix_messages_read_at", "read_at"),
        db.Index("ix_messages_search_text", "search_text", postgresql_using="gin"),
        db.Index("ix_messages_reply_to_id", "reply_to_id", postgresql_where=reply_to_id.isnot(None)),
    )


class ReplyParent(db.Model):
    """A message as the replies to it show it: the same rows as Message, with none of its
    relationships, so loading the parents of a page never loads their parents in turn."""

    __table__ = Message.__table__
    __mapper_args__ = {"include_properties": ["id", "conversation_id", "seq", "sender_id", "content", "deleted_at"]}

    sender = db.relationship("User", lazy="joined", viewonly=True)


class MessageVersion(db.Model):
    """A text a message had before an edit replaced it."""

    __tablename__ = "message_versions"

    id = db.Column(db.BigInteger, db.Identity(), primary_key=True)
    message_id = db.Column(db.BigInteger, db.ForeignKey("messages.id", ondelete="CASCADE"), nullable=False)
    content = db.Column(db.Text, nullable=False)
    # When this text was written: the message's creation, or the edit that wrote it.
    written_at = db.Column(db.DateTime(timezone=True), nullable=False)

    __table_args__ = (db.Index("ix_message_versions_message_id", "message_id"),)


class MessageReaction(db.Model):
    __tablename__ = "message_reactions"

    message_id = db.Column(db.BigInteger, db.ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    emoji = db.Column(db.String(32), primary_key=True)
    user_id = db.Column(db.BigInteger, db.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, server_default=func.now())

    __table_args__ = (db.Index("ix_message_reactions_user_id", "user_id"),)
