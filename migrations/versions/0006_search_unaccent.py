"""Search ignores accents: `cafe` finds `café` and `café` finds `cafe`.

messages.search_text is built with the text search configuration english_unaccent: PostgreSQL's
english with the unaccent dictionary (contrib extension `unaccent`) before the English stemmer, for
the words that have letters other than ASCII ones (an ASCII word has no accent to remove).

For operators (docs/runbook.md, "Migration 0006: search ignores accents"):
- CREATE EXTENSION unaccent needs the extension's files on the server (the official postgres image
  and the managed services have them) and, unaccent being a trusted extension, CREATE on the
  database (its owner has it). Otherwise a superuser creates it first; this migration then uses it.
- search_text is a stored generated column, and PostgreSQL 16 cannot change its expression in
  place: the column is dropped and added again in one statement, which rewrites the messages table
  under an ACCESS EXCLUSIVE lock (sends and reads of messages wait). It waits at most LOCK_WAIT
  for that lock (if another transaction holds messages longer, it fails, having changed nothing:
  upgrade again); like every migration it runs without the app's statement timeout
  (migrations/env.py). Its GIN index is built after that commits, CONCURRENTLY, so the lock does
  not last the index build; meanwhile search works without the index, slower. ANALYZE then gives the new column the statistics search relies on
  (services.search) and the planner its estimates.
- If the index build fails or is interrupted, upgrade again: the rewrite is not done twice (the
  configuration exists only once it committed), and an invalid index left behind is dropped first.

Downgrade does the same with the english configuration, then drops english_unaccent; it leaves the
extension, which an administrator may have created before the upgrade and which holds only a
dictionary and its functions.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

CONFIG = "english_unaccent"
LOCK_WAIT = "5s"


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    if not _configuration_exists():  # else an earlier attempt committed it with the rewrite
        op.execute(f"CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = english)")
        op.execute(f"ALTER TEXT SEARCH CONFIGURATION {CONFIG} "
                   "ALTER MAPPING FOR word, hword, hword_part WITH unaccent, english_stem")
        _rewrite_search_text(CONFIG)
    _index_search_text()


def downgrade():
    _rewrite_search_text("english")
    _index_search_text()
    op.execute(f"DROP TEXT SEARCH CONFIGURATION {CONFIG}")


def _configuration_exists():
    return op.get_bind().scalar(sa.text("SELECT EXISTS (SELECT FROM pg_ts_config WHERE cfgname = :name "
                                        "AND pg_ts_config_is_visible(oid))"), {"name": CONFIG})


def _rewrite_search_text(config):
    """search_text computed again with the text search configuration `config` (its index goes with it)."""
    # While the statement waits for its lock, every query of messages queues behind it: give up
    # after LOCK_WAIT (another transaction holds messages that long) rather than stall the service;
    # upgrade again.
    op.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
    # One statement, one rewrite: the dropped column's values are not copied into the new table.
    op.execute("ALTER TABLE messages DROP COLUMN search_text, ADD COLUMN search_text tsvector "
               f"GENERATED ALWAYS AS (to_tsvector('{config}'::regconfig, content)) STORED")


def _index_search_text():
    """The GIN index of search_text, built without blocking writes, and the column's statistics."""
    with op.get_context().autocommit_block():
        op.drop_index("ix_messages_search_text", table_name="messages", postgresql_concurrently=True,
                      if_exists=True)
        op.create_index("ix_messages_search_text", "messages", ["search_text"], postgresql_using="gin",
                        postgresql_concurrently=True)
        op.execute("ANALYZE messages")
