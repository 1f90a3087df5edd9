from sqlalchemy import func

from app.extensions import db


class MessageImage(db.Model):
    __tablename__ = "message_images"

    id = db.Column(db.BigInteger, db.Identity(), primary_key=True)
    # Null until the image is attached to a message; unattached uploads are cleaned up.
    message_id = db.Column(db.BigInteger, db.ForeignKey("messages.id", ondelete="SET NULL"))
    uploader_id = db.Column(db.BigInteger, db.ForeignKey("users.id", ondelete="SET NULL"))
    conversation_id = db.Column(db.BigInteger, db.ForeignKey("conversations.id", ondelete="CASCADE"),
                                nullable=False)
    s3_key = db.Column(db.String(512), nullable=False, unique=True)
    content_type = db.Column(db.String(64), nullable=False)
    size = db.Column(db.BigInteger, nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, server_default=func.now())

    __table_args__ = (
        db.Index("ix_message_images_message_id", "message_id"),
        db.Index("ix_message_images_unattached", "created_at", postgresql_where=message_id.is_(None)),
    )
