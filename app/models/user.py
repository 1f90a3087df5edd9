from sqlalchemy import func

from app.extensions import db


class User(db.Model):
    __tablename__ = "users"

    id = db.Column(db.BigInteger, db.Identity(), primary_key=True)
    username = db.Column(db.String(32), nullable=False)
    # At most 64 characters as read (services.users); stored with `&` as `&amp;`, so up to 5 times that.
    display_name = db.Column(db.String(320), nullable=False)
    password_hash = db.Column(db.String(255), nullable=False)
    is_admin = db.Column(db.Boolean, nullable=False, server_default=db.false())
    # Whether push notifications may show the sender and message text; if not, they only say
    # that there is something new. Push payloads are end-to-end encrypted to the browser, so
    # this protects the lock screen, not the wire.
    push_previews = db.Column(db.Boolean, nullable=False, server_default=db.true())
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, server_default=func.now())

    __table_args__ = (
        # Usernames are unique regardless of case: "Alice" and "alice" are one account.
        db.Index("uq_users_username_lower", func.lower(username), unique=True),
    )
