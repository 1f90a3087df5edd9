"""Dependency checks for the readiness probe."""
import logging

from sqlalchemy import text

from app import outages
from app.extensions import db, socketio
from app.redis_client import get_redis

log = logging.getLogger(__name__)


def dependency_status():
    """{"postgres": bool, "redis": bool}: whether each answers right now; plus "message_queue" in
    a process that serves Socket.IO: whether it hears the queue (else its clients miss events)."""
    checks = {"postgres": _postgres_ok(), "redis": _redis_ok()}
    receiving = socketio.server.manager.receiving
    if receiving is not None:
        checks["message_queue"] = receiving
    return checks


def _postgres_ok():
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception as exc:  # any failure means "not ready"; the reason goes to the log
        log.warning("readiness: postgres check failed: %s", exc.__class__.__name__)
        outages.lost("postgres", exc)
        db.session.rollback()
        return False


def _redis_ok():
    try:
        return bool(get_redis().ping())
    except Exception as exc:
        log.warning("readiness: redis check failed: %s", exc.__class__.__name__)
        outages.lost("redis", exc)
        return False
