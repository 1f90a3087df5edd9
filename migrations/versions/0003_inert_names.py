"""Display names and conversation titles follow the text rule that message content follows
(app/services/content.py): their limits count characters as read, and `&` is stored as `&amp;`,
so the columns hold 5 times the limit; names stored before the rule applied are rewritten by it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# (table, column, what an emptied value becomes, length before, length now): a display name
# falls back to the username.
NAMES = (("users", "display_name", "username", 64, 320), ("conversations", "title", "NULL", 120, 600))


def upgrade():
    for table, column, _, before, now in NAMES:
        op.alter_column(table, column, type_=sa.String(now), existing_type=sa.String(before))
    # The rule itself rather than a copy, so old names come out exactly as new ones are stored.
    from app.services.content import sanitize

    connection = op.get_bind()
    for table, column, fallback, _, _ in NAMES:
        rows = connection.execute(sa.text(
            f"SELECT id, {column}, {fallback} FROM {table} WHERE {column} ~ '[<>&[:cntrl:]]'")).fetchall()
        for row_id, value, fallback_value in rows:
            connection.execute(sa.text(f"UPDATE {table} SET {column} = :value WHERE id = :id"),
                               {"value": sanitize(value) or fallback_value, "id": row_id})


def downgrade():
    # The markup removed is not kept anywhere: names stay as the rule left them, cut to fit.
    for table, column, _, before, now in NAMES:
        op.alter_column(table, column, type_=sa.String(before), existing_type=sa.String(now),
                        postgresql_using=f"left({column}, {before})")
