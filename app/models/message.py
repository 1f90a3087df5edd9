from sqlalchemy import Computed, func
from sqlalchemy.dialects.postgresql import TSVECTOR

from app.extensions import db


class Message(db.Model):
    __tablename__ = "messages"

    id = db.Column(db.BigInteger, db.Identity(), primary_key=True)
    conversation_id = db.Column(db.BigInteger, db.ForeignKey("conversations.id", ondelete="CASCADE"),
                                nullable=False)
    # Gap-free and strictly increasing within a conversation (see services.messages.send_message).
    seq = db.Column(db.BigInteger, nullable=False)
    sender_id = db.Column(db.BigInteger, db.ForeignKey("users.id", ondelete="SET NULL"))
    content = db.Column(db.Text, nullable=False, server_default="")
    client_message_id = db.Column(db.String(64))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, server_default=func.now())
    delivered_at = db.Column(db.DateTime(timezone=True))
    read_at = db.Column(db.DateTime(timezone=True))
    deleted_at = db.Column(db.DateTime(timezone=True))
    search_text = db.Column(TSVECTOR, Computed("to_tsvector('english', content)", persisted=True))

    sender = db.relationship("User", lazy="joined")
    images = db.relationship("MessageImage", lazy="selectin", order_by="MessageImage.id")

    __table_args__ = (
        db.UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_id_seq"),
        db.UniqueConstraint("sender_id", "client_message_id", name="uq_messages_sender_id_client_message_id"),
        db.Index("ix_messages_sender_id", "sender_id"),
        db.Index("ix_messages_read_at", "read_at"),
        db.Index("ix_messages_search_text", "search_text", postgresql_using="gin"),
    )
