from sqlalchemy import func

from app.extensions import db


class User(db.Model):
    __tablename__ = "users"

    id = db.Column(db.BigInteger, db.Identity(), primary_key=True)
    username = db.Column(db.String(32), nullable=False)
    display_name = db.Column(db.String(64), nullable=False)
    password_hash = db.Column(db.String(255), nullable=False)
    is_admin = db.Column(db.Boolean, nullable=False, server_default=db.false())
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, server_default=func.now())

    __table_args__ = (
        # Usernames are unique regardless of case: "Alice" and "alice" are one account.
        db.Index("uq_users_username_lower", func.lower(username), unique=True),
    )
