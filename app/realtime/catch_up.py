"""After this process could not hear the message queue for a while (Redis went away and came
back), events published meanwhile never reached its clients. Each connected user is told where
each of their conversations stands (`resync`), so their clients fetch what they missed."""
import logging

from app.extensions import db
from app.realtime import connections
from app.services import conversations, events

log = logging.getLogger(__name__)

BATCH = 500  # users per query


def tell_connected_users(app):
    """Send `resync` to every user connected to this process (run by the message queue once it
    hears the queue again)."""
    with app.app_context():
        try:
            user_ids = sorted(connections.table.user_ids())
            for start in range(0, len(user_ids), BATCH):
                for user_id, last_seqs in conversations.last_seqs(user_ids[start:start + BATCH]).items():
                    events.resync(user_id, last_seqs)
            log.info("resync sent to %d users", len(user_ids))
        except Exception:
            log.exception("resync after the message queue came back failed")
        finally:
            db.session.remove()
