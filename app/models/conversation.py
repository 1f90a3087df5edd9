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
    # "<low user id>:<high user id>" for direct conversations, so each pair has exactly one.
    direct_key = db.Column(db.String(41), unique=True)

    participants = db.relationship("Participant", back_populates="conversation", lazy="selectin",
                                   order_by="Participant.joined_at")

    __table_args__ = (
        db.CheckConstraint("kind IN ('direct', 'group')", name="kind"),
        db.CheckConstraint("(kind = 'direct') = (direct_key IS NOT NULL)", name="direct_key"),
        db.Index("ix_conversations_activity", func.coalesce(last_message_at, created_at).desc(), id.desc()),
    )


class Participant(db.Model):
    __tablename__ = "conversation_participants"

    conversation_id = db.Column(db.BigInteger, db.ForeignKey("conversations.id", ondelete="CASCADE"),
                                primary_key=True)
    user_id = db.Column(db.BigInteger, db.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    joined_at = db.Column(db.DateTime(timezone=True), nullable=False, server_default=func.now())
    archived_at = db.Column(db.DateTime(timezone=True))
    last_read_seq = db.Column(db.BigInteger, nullable=False, server_default="0")
    last_read_message_id = db.Column(db.BigInteger, db.ForeignKey("messages.id", ondelete="SET NULL"))
    muted = db.Column(db.Boolean, nullable=False, server_default=db.false())

    conversation = db.relationship("Conversation", back_populates="participants")
    user = db.relationship("User", lazy="joined")

    __table_args__ = (db.Index("ix_conversation_participants_user_id", "user_id"),)
