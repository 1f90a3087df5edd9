"""Migrations upgrade -> downgrade -> upgrade on a real PostgreSQL, in a database of their own."""
import copy

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from app.config import _psycopg2_url
from app.extensions import db
from tests.helpers import scratch_database

SCRATCH = "messaging_migrations_test"
CORE_TABLES = {"users", "conversations", "conversation_participants", "messages", "message_images"}


@pytest.fixture
def scratch_url(stack):
    with scratch_database(_psycopg2_url(stack["env"]["DATABASE_URL"]), SCRATCH) as url:
        yield url


@pytest.fixture
def scratch_app(make_app, scratch_url):
    app = make_app({"SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def tables():
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade_round_trip(scratch_app):
    upgrade()
    assert CORE_TABLES <= tables()
    indexes = {index["name"] for index in inspect(db.engine).get_indexes("messages")}
    assert {"ix_messages_search_text", "ix_messages_sender_id", "ix_messages_read_at"} <= indexes

    downgrade(revision="base")
    assert tables() == set()

    upgrade()
    assert CORE_TABLES <= tables()


def test_migrated_schema_matches_the_models(scratch_app):
    upgrade()

    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)

    assert differences == []


def test_search_text_is_generated_from_content(scratch_app):
    upgrade()

    with db.engine.begin() as connection:
        connection.execute(text("INSERT INTO users (username, display_name, password_hash) VALUES ('u', 'u', 'x')"))
        connection.execute(text("INSERT INTO conversations (kind, title) VALUES ('group', 't')"))
        connection.execute(text("INSERT INTO messages (conversation_id, seq, sender_id, content) "
                                "VALUES (1, 1, 1, 'Running late')"))
        matches = connection.execute(text(
            "SELECT count(*) FROM messages WHERE search_text @@ to_tsquery('english', 'run')")).scalar()

    assert matches == 1


def test_names_stored_before_the_text_rule_are_rewritten_by_it(scratch_app):
    upgrade(revision="0002")
    with db.engine.begin() as connection:
        connection.execute(text("INSERT INTO users (username, display_name, password_hash) VALUES "
                                "('eve', '<img src=x onerror=alert(1)>Eve & co', 'x'), ('bare', '<b></b>', 'x'), "
                                "('plain', 'Plain Jane', 'x')"))
        connection.execute(text("INSERT INTO conversations (kind, title) VALUES ('group', '<svg/onload=alert(1)>Trip'), "
                                "('group', NULL)"))

    upgrade()

    with db.engine.connect() as connection:
        names = connection.execute(text("SELECT username, display_name FROM users ORDER BY id")).all()
        titles = connection.execute(text("SELECT title FROM conversations ORDER BY id")).scalars().all()
    assert names == [("eve", "Eve &amp; co"), ("bare", "bare"), ("plain", "Plain Jane")]
    assert titles == ["Trip", None]


def test_existing_groups_get_an_admin_and_existing_messages_their_place_in_the_log(scratch_app):
    upgrade(revision="0003")
    with db.engine.begin() as connection:
        connection.execute(text("INSERT INTO users (username, display_name, password_hash) VALUES "
                                "('ann', 'ann', 'x'), ('ben', 'ben', 'x'), ('cat', 'cat', 'x')"))
        connection.execute(text("INSERT INTO conversations (kind, title, created_by, last_seq) VALUES "
                                "('group', 'by ann', 1, 2), ('group', 'creator gone', NULL, 0)"))
        connection.execute(text("INSERT INTO conversation_participants (conversation_id, user_id, joined_at) VALUES "
                                "(1, 2, now()), (1, 1, now()), (2, 3, now() - interval '1 day'), (2, 2, now())"))
        connection.execute(text("INSERT INTO messages (conversation_id, seq, sender_id, content) "
                                "VALUES (1, 1, 1, 'one'), (1, 2, 2, 'two')"))

    upgrade()

    with db.engine.connect() as connection:
        roles = connection.execute(text("SELECT conversation_id, user_id, role FROM conversation_participants "
                                        "ORDER BY 1, 2")).all()
        log = connection.execute(text("SELECT conversation_id, event_seq, type, message_id FROM conversation_events "
                                      "ORDER BY 1, 2")).all()
        positions = connection.execute(text("SELECT id, last_event_seq FROM conversations ORDER BY id")).all()
    assert roles == [(1, 1, "admin"), (1, 2, "member"), (2, 2, "member"), (2, 3, "admin")]
    assert log == [(1, 1, "message_received", 1), (1, 2, "message_received", 2)]
    assert positions == [(1, 2), (2, 0)]


def store_messages(connection, rows):
    """User 1, group conversation 1, and the messages (conversation_id, seq, sender_id, content) of
    `rows` (a VALUES list or a SELECT), written with SQL: the models are the newest schema's."""
    connection.execute(text("INSERT INTO users (username, display_name, password_hash) VALUES ('u', 'u', 'x')"))
    connection.execute(text("INSERT INTO conversations (kind, title) VALUES ('group', 't')"))
    connection.execute(text(f"INSERT INTO messages (conversation_id, seq, sender_id, content) {rows}"))


def search_text_matches(q, config):
    """The contents of the messages whose search_text matches `q` (web-search syntax) read with `config`."""
    with db.engine.connect() as connection:
        return sorted(connection.execute(text(
            "SELECT content FROM messages WHERE search_text @@ websearch_to_tsquery(CAST(:config AS regconfig), :q)"),
            {"config": config, "q": q}).scalars())


def search_index():
    """(access method, valid) of ix_messages_search_text."""
    with db.engine.connect() as connection:
        return tuple(connection.execute(text(
            "SELECT a.amname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am a ON a.oid = c.relam WHERE i.indexrelid = to_regclass('ix_messages_search_text')")).one())


def test_0006_makes_stored_messages_found_without_their_accents_and_its_downgrade_undoes_it(scratch_app):
    upgrade(revision="0005")
    with db.engine.begin() as connection:
        store_messages(connection, "VALUES (1, 1, 1, 'un café noir'), (1, 2, 1, 'cafe noir'), (1, 3, 1, 'Running late')")
    both = ["cafe noir", "un café noir"]

    upgrade()

    assert search_text_matches("cafe", "english_unaccent") == both
    assert search_text_matches('"café noir"', "english_unaccent") == both
    assert search_text_matches("runs", "english_unaccent") == ["Running late"]
    assert search_index() == ("gin", True)

    downgrade(revision="0005")

    assert search_text_matches("cafe", "english") == ["cafe noir"]
    assert search_text_matches("café", "english") == ["un café noir"]
    assert search_text_matches("runs", "english") == ["Running late"]
    assert search_index() == ("gin", True)

    upgrade()

    assert search_text_matches("café", "english_unaccent") == both
    assert search_index() == ("gin", True)


def test_0006_upgraded_again_after_its_index_build_failed_finishes_the_upgrade(scratch_app):
    upgrade()
    # What a failed CREATE INDEX CONCURRENTLY leaves: the rewrite and the configuration committed,
    # an invalid index of that name, the version still 0005.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        store_messages(connection, "VALUES (1, 1, 1, 'un café'), (1, 2, 1, 'cafe')")
        connection.execute(text("DROP INDEX ix_messages_search_text"))
        with pytest.raises(IntegrityError):
            connection.execute(text("CREATE UNIQUE INDEX CONCURRENTLY ix_messages_search_text ON messages (conversation_id)"))
        connection.execute(text("UPDATE alembic_version SET version_num = '0005'"))
    assert search_index() == ("btree", False)

    upgrade()

    assert search_index() == ("gin", True)
    assert search_text_matches("cafe", "english_unaccent") == ["cafe", "un café"]


def test_migrations_run_without_the_apps_statement_timeout(scratch_app, make_app, scratch_url):
    upgrade(revision="0004")
    with db.engine.begin() as connection:
        store_messages(connection, "SELECT 1, n, 1, 'message number ' || n FROM generate_series(1, 100000) AS n")
    # 0006 rewrites messages (a second and more here): longer than half a second, here as on a
    # large database against the 15 s default.
    options = copy.deepcopy(scratch_app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    options["connect_args"]["options"] = "-c statement_timeout=500"
    hurried = make_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "SQLALCHEMY_ENGINE_OPTIONS": options})

    with hurried.app_context():
        upgrade()

        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == "0006"
        assert db.session.scalar(text("SHOW statement_timeout")) == "500ms"  # the app's connections keep theirs
        db.session.rollback()
