"""Dependency checks for the readiness probe."""
import logging

from sqlalchemy import text

from app.extensions import db
from app.redis_client import get_redis

log = logging.getLogger(__name__)


def dependency_status():
    """{"postgres": bool, "redis": bool}: whether each answers right now."""
    return {"postgres": _postgres_ok(), "redis": _redis_ok()}


def _postgres_ok():
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception as exc:  # any failure means "not ready"; the reason goes to the log
        log.warning("readiness: postgres check failed: %s", exc.__class__.__name__)
        db.session.rollback()
        return False


def _redis_ok():
    try:
        return bool(get_redis().ping())
    except Exception as exc:
        log.warning("readiness: redis check failed: %s", exc.__class__.__name__)
        return False
