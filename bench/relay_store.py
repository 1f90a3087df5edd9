"""The persisting relay's PostgreSQL (bench/relay.py with RELAY_PERSIST=1): our send's statement
and a commit per message, on raw psycopg2 connections (psycogreen-patched, as in our tier), with
none of our layers: no SQLAlchemy session or pool (no pre-ping), no sending limit, no payload."""
from psycogreen.gevent import patch_psycopg

patch_psycopg()

import gevent.queue  # noqa: E402
import jwt  # noqa: E402
from sqlalchemy.dialects.postgresql import psycopg2 as psycopg2_dialect  # noqa: E402

from app.services.messages import INSERT_MESSAGE  # noqa: E402
from bench.seed import connect  # noqa: E402

# The statement as SQLAlchemy hands it to psycopg2 (named %(...)s parameters).
_STATEMENT = str(INSERT_MESSAGE.compile(dialect=psycopg2_dialect.dialect()))


class MessageStore:
    """Up to `size` connections, opened on first need, shared by the process's greenlets."""

    def __init__(self, database_url, size=10):
        self.database_url, self.size, self.opened = database_url, size, 0
        self.idle = gevent.queue.LifoQueue()

    @staticmethod
    def user_id(token):
        """The user an access token names. Not verified: the relay does no auth (its clients are ours)."""
        return int(jwt.decode(token, options={"verify_signature": False})["sub"])

    def insert(self, sender_id, conversation_id, content, client_message_id):
        """Store one message (as services.messages.send_message's statement does) and commit."""
        connection = self._checkout()
        try:
            with connection.cursor() as cursor:
                cursor.execute(_STATEMENT, {
                    "conversation_id": conversation_id, "sender_id": sender_id, "content": content,
                    "client_message_id": client_message_id, "reply_to_id": None, "mention_names": []})
                cursor.fetchone()
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            self.idle.put(connection)

    def _checkout(self):
        if self.idle.empty() and self.opened < self.size:
            self.opened += 1
            try:
                return connect(self.database_url)
            except BaseException:
                self.opened -= 1
                raise
        return self.idle.get()
