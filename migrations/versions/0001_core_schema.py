"""Core schema: users, conversations, participants, messages (with full-text search), message images.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _timestamp(name, nullable=True, default=False):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable,
                     server_default=sa.text("now()") if default else None)


def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("username", sa.String(length=32), nullable=False),
        sa.Column("display_name", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_admin", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        _timestamp("created_at", nullable=False, default=True),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
    )
    op.create_index("uq_users_username_lower", "users", [sa.literal_column("lower(username)")], unique=True)

    op.create_table(
        "conversations",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        _timestamp("created_at", nullable=False, default=True),
        _timestamp("last_message_at"),
        sa.Column("last_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("direct_key", sa.String(length=41), nullable=True),
        sa.CheckConstraint("(kind = 'direct') = (direct_key IS NOT NULL)", name="ck_conversations_direct_key"),
        sa.CheckConstraint("kind IN ('direct', 'group')", name="ck_conversations_kind"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name="fk_conversations_created_by_users",
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_conversations"),
        sa.UniqueConstraint("direct_key", name="uq_conversations_direct_key"),
    )
    op.create_index("ix_conversations_activity", "conversations",
                    [sa.literal_column("coalesce(last_message_at, created_at) DESC"), sa.literal_column("id DESC")])

    op.create_table(
        "messages",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("sender_id", sa.BigInteger(), nullable=True),
        sa.Column("content", sa.Text(), server_default="", nullable=False),
        sa.Column("client_message_id", sa.String(length=64), nullable=True),
        _timestamp("created_at", nullable=False, default=True),
        _timestamp("delivered_at"),
        _timestamp("read_at"),
        _timestamp("deleted_at"),
        sa.Column("search_text", postgresql.TSVECTOR(),
                  sa.Computed("to_tsvector('english', content)", persisted=True), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"],
                                name="fk_messages_conversation_id_conversations", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sender_id"], ["users.id"], name="fk_messages_sender_id_users", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        # Also the index for paging a conversation by seq.
        sa.UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_id_seq"),
        sa.UniqueConstraint("sender_id", "client_message_id", name="uq_messages_sender_id_client_message_id"),
    )
    op.create_index("ix_messages_read_at", "messages", ["read_at"])
    op.create_index("ix_messages_sender_id", "messages", ["sender_id"])
    op.create_index("ix_messages_search_text", "messages", ["search_text"], postgresql_using="gin")

    op.create_table(
        "conversation_participants",
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        _timestamp("joined_at", nullable=False, default=True),
        _timestamp("archived_at"),
        sa.Column("last_read_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("last_read_message_id", sa.BigInteger(), nullable=True),
        sa.Column("muted", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"],
                                name="fk_conversation_participants_conversation_id_conversations", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["last_read_message_id"], ["messages.id"],
                                name="fk_conversation_participants_last_read_message_id_messages",
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_conversation_participants_user_id_users",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("conversation_id", "user_id", name="pk_conversation_participants"),
    )
    op.create_index("ix_conversation_participants_user_id", "conversation_participants", ["user_id"])

    op.create_table(
        "message_images",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("uploader_id", sa.BigInteger(), nullable=True),
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        sa.Column("s3_key", sa.String(length=512), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        _timestamp("created_at", nullable=False, default=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"],
                                name="fk_message_images_conversation_id_conversations", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name="fk_message_images_message_id_messages",
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["uploader_id"], ["users.id"], name="fk_message_images_uploader_id_users",
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_message_images"),
        sa.UniqueConstraint("s3_key", name="uq_message_images_s3_key"),
    )
    op.create_index("ix_message_images_message_id", "message_images", ["message_id"])
    op.create_index("ix_message_images_unattached", "message_images", ["created_at"],
                    postgresql_where=sa.text("message_id IS NULL"))


def downgrade():
    op.drop_table("message_images")
    op.drop_table("conversation_participants")
    op.drop_table("messages")
    op.drop_table("conversations")
    op.drop_table("users")
