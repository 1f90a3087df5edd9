"""Conversations as people use them: roles and delivery positions of participants, system
messages, edits (with their earlier versions), replies, mentions, reactions, and the catch-up log
of every change (conversation_events, numbered by conversations.last_event_seq).

Existing data: each group's creator becomes its admin (or, without one, its longest-standing
participant); read and delivery times come from the messages at the positions; every existing
message gets its `message_received` event, in seq order, so a conversation's log starts at 1.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _timestamp(name, nullable=True, default=False):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable,
                     server_default=sa.text("now()") if default else None)


def upgrade():
    op.add_column("conversations", sa.Column("last_event_seq", sa.BigInteger(), server_default="0", nullable=False))

    op.add_column("conversation_participants",
                  sa.Column("role", sa.String(length=10), server_default="member", nullable=False))
    op.add_column("conversation_participants",
                  sa.Column("joined_seq", sa.BigInteger(), server_default="0", nullable=False))
    op.add_column("conversation_participants", _timestamp("last_read_at"))
    op.add_column("conversation_participants",
                  sa.Column("last_delivered_seq", sa.BigInteger(), server_default="0", nullable=False))
    op.add_column("conversation_participants", _timestamp("last_delivered_at"))
    op.create_check_constraint("role", "conversation_participants", "role IN ('admin', 'member')")

    op.add_column("messages", sa.Column("kind", sa.String(length=10), server_default="user", nullable=False))
    op.add_column("messages", sa.Column("event", postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.add_column("messages", sa.Column("reply_to_id", sa.BigInteger(), nullable=True))
    op.add_column("messages", sa.Column("mentions", postgresql.ARRAY(sa.BigInteger()), server_default="{}",
                                        nullable=False))
    op.add_column("messages", _timestamp("edited_at"))
    op.create_check_constraint("kind", "messages", "kind IN ('user', 'system')")
    op.create_foreign_key("fk_messages_reply_to_id_messages", "messages", "messages", ["reply_to_id"], ["id"],
                          ondelete="SET NULL")
    op.create_index("ix_messages_reply_to_id", "messages", ["reply_to_id"],
                    postgresql_where=sa.text("reply_to_id IS NOT NULL"))

    op.create_table(
        "message_versions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        _timestamp("written_at", nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name="fk_message_versions_message_id_messages",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_message_versions"),
    )
    op.create_index("ix_message_versions_message_id", "message_versions", ["message_id"])

    op.create_table(
        "message_reactions",
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("emoji", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        _timestamp("created_at", nullable=False, default=True),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name="fk_message_reactions_message_id_messages",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_message_reactions_user_id_users",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("message_id", "emoji", "user_id", name="pk_message_reactions"),
    )
    op.create_index("ix_message_reactions_user_id", "message_reactions", ["user_id"])

    op.create_table(
        "conversation_events",
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        sa.Column("event_seq", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        _timestamp("created_at", nullable=False, default=True),
        sa.CheckConstraint("(message_id IS NULL) <> (payload IS NULL)", name="message_or_payload"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"],
                                name="fk_conversation_events_conversation_id_conversations", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("conversation_id", "event_seq", name="pk_conversation_events"),
    )

    _backfill()


def _backfill():
    op.execute("""
        UPDATE conversation_participants p SET role = 'admin'
        FROM conversations c
        WHERE c.id = p.conversation_id AND c.kind = 'group' AND c.created_by = p.user_id
    """)
    op.execute("""
        UPDATE conversation_participants p SET role = 'admin'
        FROM (SELECT DISTINCT ON (conversation_id) conversation_id, user_id
              FROM conversation_participants
              WHERE conversation_id IN (
                  SELECT c.id FROM conversations c WHERE c.kind = 'group' AND NOT EXISTS (
                      SELECT 1 FROM conversation_participants a
                      WHERE a.conversation_id = c.id AND a.role = 'admin'))
              ORDER BY conversation_id, joined_at, user_id) first
        WHERE p.conversation_id = first.conversation_id AND p.user_id = first.user_id
    """)
    # Until now a message's delivered_at was set by the first recipient to acknowledge it: per
    # participant that is known only in direct conversations. Reading implies receiving.
    op.execute("""
        UPDATE conversation_participants p
        SET last_read_at = (SELECT read_at FROM messages WHERE id = p.last_read_message_id),
            last_delivered_seq = GREATEST(p.last_read_seq, COALESCE(delivered.seq, 0)),
            last_delivered_at = CASE WHEN COALESCE(delivered.seq, 0) > p.last_read_seq THEN delivered.at
                                     ELSE (SELECT read_at FROM messages WHERE id = p.last_read_message_id) END
        FROM conversations c
        LEFT JOIN LATERAL (
            SELECT m.seq, m.delivered_at AS at FROM messages m
            WHERE m.conversation_id = c.id AND c.kind = 'direct' AND m.delivered_at IS NOT NULL
            ORDER BY m.seq DESC LIMIT 1) delivered ON true
        WHERE c.id = p.conversation_id
    """)
    op.execute("""
        INSERT INTO conversation_events (conversation_id, event_seq, type, message_id, created_at)
        SELECT conversation_id, seq, 'message_received', id, created_at FROM messages
    """)
    op.execute("UPDATE conversations SET last_event_seq = last_seq")


def downgrade():
    op.drop_table("conversation_events")
    op.drop_index("ix_message_reactions_user_id", table_name="message_reactions")
    op.drop_table("message_reactions")
    op.drop_index("ix_message_versions_message_id", table_name="message_versions")
    op.drop_table("message_versions")
    # System messages keep their seqs (gap-free), as deleted messages: the old schema cannot tell
    # what they record.
    op.execute("UPDATE messages SET deleted_at = COALESCE(deleted_at, created_at) WHERE kind = 'system'")
    op.drop_index("ix_messages_reply_to_id", table_name="messages")
    op.drop_constraint("fk_messages_reply_to_id_messages", "messages", type_="foreignkey")
    op.drop_constraint("kind", "messages", type_="check")
    for column in ("edited_at", "mentions", "reply_to_id", "event", "kind"):
        op.drop_column("messages", column)
    op.drop_constraint("role", "conversation_participants", type_="check")
    for column in ("last_delivered_at", "last_delivered_seq", "last_read_at", "joined_seq", "role"):
        op.drop_column("conversation_participants", column)
    op.drop_column("conversations", "last_event_seq")
