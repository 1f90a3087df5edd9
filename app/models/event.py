from sqlalchemy import func
from sqlalchemy.dialects.postgresql import JSONB

from app.extensions import db


class ConversationEvent(db.Model):
    """One change in a conversation's catch-up log (services.event_log).

    A change to a message (created, edited, deleted) names the message and stores no payload: it
    is shown as the message is when read, so a deleted text is gone from the log too and image URLs
    are fresh. Every other change stores the payload its Socket.IO event carried.
    """

    __tablename__ = "conversation_events"

    conversation_id = db.Column(db.BigInteger, db.ForeignKey("conversations.id", ondelete="CASCADE"),
                                primary_key=True)
    # Gap-free and strictly increasing within a conversation, like messages' seq.
    event_seq = db.Column(db.BigInteger, primary_key=True)
    type = db.Column(db.String(32), nullable=False)
    # No foreign key: messages are never removed one by one (deleting one clears it), and one
    # would cost every send a lookup and an index.
    message_id = db.Column(db.BigInteger)
    payload = db.Column(JSONB(none_as_null=True))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, server_default=func.now())

    __table_args__ = (
        db.CheckConstraint("(message_id IS NULL) <> (payload IS NULL)", name="message_or_payload"),
    )
