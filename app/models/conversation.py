from sqlalchemy import func

from app.extensions import db


class Conversation(db.Model):
    __tablename__ = "conversations"

    id = db.Column(db.BigInteger, db.Identity(), primary_key=True)
    kind = db.Column(db.String(10), nullable=False)
    # At most 120 characters as read (services.conversations); stored with `&` as `&amp;`: 5 times that.
    title = db.Column(db.String(600))
    created_by = db.Column(db.BigInteger, db.ForeignKey("users.id", ondelete="SET NULL"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, server_default=func.now())
    last_message_at = db.Column(db.DateTime(timezone=True))
    # The seq of the newest message; incremented under a row lock as each message is inserted.
    last_seq = db.Column(db.BigInteger, nullable=False, server_default="0")
    # The event_seq of the newest change in the catch-up log (services.event_log), incremented
    # under the same row lock in the transaction of each change.
    last_event_seq = db.Column(db.BigInteger, nullable=False, server_default="0")
    # "<low user id>:<high user id>" for direct conversations, so each pair has exactly one.
    direct_key = db.Column(db.String(41), unique=True)

    # Loaded when read, not with every conversation: membership checks and the conversation list,
    # the hot paths, never need them (a group may have hundreds).
    participants = db.relationship("Participant", back_populates="conversation",
                                   order_by="(Participant.joined_at, Participant.user_id)")

    __table_args__ = (
        db.CheckConstraint("kind IN ('direct', 'group')", name="kind"),
        db.CheckConstraint("(kind = 'direct') = (direct_key IS NOT NULL)", name="direct_key"),
        db.Index("ix_conversations_activity", func.coalesce(last_message_at, created_at).desc(), id.desc()),
    )


ROLES = ("admin", "member")


class Participant(db.Model):
    __tablename__ = "conversation_participants"

    conversation_id = db.Column(db.BigInteger, db.ForeignKey("conversations.id", ondelete="CASCADE"),
                                primary_key=True)
    user_id = db.Column(db.BigInteger, db.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    joined_at = db.Column(db.DateTime(timezone=True), nullable=False, server_default=func.now())
    # Admins of a group manage its participants and title; direct conversations have members only.
    role = db.Column(db.String(10), nullable=False, server_default="member")
    # The conversation's last_seq when the user joined. Someone added to a group starts with their
    # read and delivery positions there (its history is not unread), and counts as having read or
    # received a message only once their position has moved past it (services.receipts).
    joined_seq = db.Column(db.BigInteger, nullable=False, server_default="0")
    archived_at = db.Column(db.DateTime(timezone=True))
    # Read and delivery positions: every message up to the seq counts as read (received), the
    # time is when the position last moved. last_delivered_seq >= last_read_seq.
    last_read_seq = db.Column(db.BigInteger, nullable=False, server_default="0")
    last_read_message_id = db.Column(db.BigInteger, db.ForeignKey("messages.id", ondelete="SET NULL"))
    last_read_at = db.Column(db.DateTime(timezone=True))
    last_delivered_seq = db.Column(db.BigInteger, nullable=False, server_default="0")
    last_delivered_at = db.Column(db.DateTime(timezone=True))
    muted = db.Column(db.Boolean, nullable=False, server_default=db.false())

    conversation = db.relationship("Conversation", back_populates="participants")
    user = db.relationship("User", lazy="joined")

    __table_args__ = (
        db.CheckConstraint(f"role IN {ROLES}", name="role"),
        db.Index("ix_conversation_participants_user_id", "user_id"),
    )
