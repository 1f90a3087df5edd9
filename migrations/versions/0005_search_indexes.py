"""Indexes for search newest first (app/services/search.py): when a query matches more messages
than it ranks (RANK_LIMIT), and for filters alone, hits come newest first.

- ix_messages_created_at (created_at, id): walked from the newest message down; before:/after:
  bound the walk.
- ix_messages_sender_id becomes (sender_id, created_at, id): from:USERNAME walks that sender's
  messages newest first instead of reading all of them (it still serves the foreign key).

Built CONCURRENTLY, so sends go on meanwhile (a few seconds per million messages). If a build
fails, PostgreSQL leaves an invalid index named here behind: drop it and upgrade again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index("ix_messages_created_at", "messages", ["created_at", "id"], postgresql_concurrently=True)
        _replace_sender_index(["sender_id", "created_at", "id"])


def downgrade():
    with op.get_context().autocommit_block():
        _replace_sender_index(["sender_id"])
        op.drop_index("ix_messages_created_at", table_name="messages", postgresql_concurrently=True)


def _replace_sender_index(columns):
    """Build the new ix_messages_sender_id beside the old one, then swap: one always exists."""
    op.create_index("ix_messages_sender_id_next", "messages", columns, postgresql_concurrently=True)
    op.drop_index("ix_messages_sender_id", table_name="messages", postgresql_concurrently=True)
    op.execute("ALTER INDEX ix_messages_sender_id_next RENAME TO ix_messages_sender_id")
