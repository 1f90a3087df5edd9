from sqlalchemy import func

from app.extensions import db


class PushSubscription(db.Model):
    """A browser's Web Push subscription (PushSubscription.toJSON()) for one user."""

    __tablename__ = "push_subscriptions"

    id = db.Column(db.BigInteger, db.Identity(), primary_key=True)
    user_id = db.Column(db.BigInteger, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    endpoint = db.Column(db.String(2048), nullable=False)
    # The browser's P-256 public key and auth secret (base64url), used to encrypt each payload.
    p256dh = db.Column(db.String(128), nullable=False)
    auth = db.Column(db.String(64), nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, server_default=func.now())

    __table_args__ = (
        db.UniqueConstraint("user_id", "endpoint", name="uq_push_subscriptions_user_id_endpoint"),
        db.Index("ix_push_subscriptions_endpoint", "endpoint"),
    )
