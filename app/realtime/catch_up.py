"""When this process's connections may have missed events: it could not hear its message queue
channel for a while (Redis went away and came back, or failed over), or Redis lost the registry
entries that route events here. Each user concerned is told where each of their conversations
stands (`resync`), so their clients fetch what they missed."""
import logging

from app.extensions import db, socketio
from app.realtime import connections, registry
from app.services import conversations, events

log = logging.getLogger(__name__)

BATCH = 500  # users per query


def after_queue_gap(app):
    """Run by the message queue once it hears its channels again after a gap: the registry entries
    of this process may be gone with the Redis that held them, so they are written again before
    every connected user is told to resync (events routed after that reach them live)."""
    with app.app_context():
        try:
            registry.rebuild()
            tell_users(connections.table.user_ids())
        except Exception:
            log.exception("catching up after the message queue came back failed")
        finally:
            db.session.remove()


def after_lost_entries():
    """Run by the sweeper: if a beat found this process's registry entries lost, write them again
    and tell the users concerned to resync. Not while the process does not hear its channel:
    subscribing again will do it for every user (after_queue_gap)."""
    if registry.lost_users() and socketio.server.manager.receiving:
        tell_users(registry.rebuild())


def tell_users(user_ids):
    """Send `resync` to this process's connections of these users."""
    user_ids = sorted(user_ids)
    if not user_ids:
        return
    for start in range(0, len(user_ids), BATCH):
        for user_id, positions in conversations.last_seqs(user_ids[start:start + BATCH]).items():
            events.resync(user_id, positions)
    log.info("resync sent to %d users", len(user_ids))
