"""Removing images nobody can see any more, from storage and from the database.

Two kinds: uploads never attached to a message within UNATTACHED_MAX_AGE, and the images of
deleted messages. Each batch, in one transaction:
  1. lock up to `batch_size` candidate rows (FOR UPDATE SKIP LOCKED, keyset order by id);
  2. delete their objects from storage (one S3 DeleteObjects call, at most 1,000 keys);
  3. delete the rows the store confirmed, and commit.
Storage goes first: a crash between 2 and 3 rolls the rows back, and the next run deletes the
(already missing) objects again, which both drivers treat as success, then the rows. The reverse order
could lose the only record of an object and leak it. A second run finds nothing to do.
The row locks make a concurrent send that names one of these images wait, then find it gone
(a 4xx), and SKIP LOCKED lets two cleanups run at once on disjoint rows.
"""
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select

from app import storage
from app.extensions import db
from app.models import Message, MessageImage

log = logging.getLogger(__name__)

UNATTACHED_MAX_AGE = timedelta(hours=24)


@dataclass
class CleanupCounts:
    unattached: int = 0  # never-attached uploads removed
    deleted_messages: int = 0  # images of deleted messages removed
    failed: int = 0  # the store refused to delete them; kept for the next run

    def as_dict(self):
        return {"unattached": self.unattached, "deleted_messages": self.deleted_messages, "failed": self.failed}


def cleanup_images(now=None, batch_size=storage.DELETE_BATCH_LIMIT):
    """Delete stale unattached uploads and the images of deleted messages; returns CleanupCounts.

    `now` (aware datetime, default: the current time) sets the 24-hour cutoff for unattached
    uploads. Idempotent and resumable: see the module docstring. Raises ServiceUnavailable when
    the store is unreachable (the current batch is rolled back; earlier batches stay done).
    """
    if not 1 <= batch_size <= storage.DELETE_BATCH_LIMIT:
        raise ValueError(f"batch_size must be 1-{storage.DELETE_BATCH_LIMIT}")
    started = time.monotonic()
    now = now or datetime.now(timezone.utc)
    counts = CleanupCounts()
    stale = (MessageImage.message_id.is_(None)) & (MessageImage.created_at < now - UNATTACHED_MAX_AGE)
    of_deleted = MessageImage.message_id.in_(select(Message.id).where(Message.deleted_at.isnot(None)))
    counts.unattached, failed_stale = _delete_matching(stale, batch_size)
    counts.deleted_messages, failed_deleted = _delete_matching(of_deleted, batch_size)
    counts.failed = failed_stale + failed_deleted
    log.info("image cleanup: removed %d unattached uploads and %d images of deleted messages, "
             "%d failed, in %.2fs", counts.unattached, counts.deleted_messages, counts.failed,
             time.monotonic() - started)
    return counts


def _delete_matching(condition, batch_size):
    """(removed, failed) over all rows matching `condition`, one committed batch at a time."""
    bucket = storage.photos()
    removed = failed = 0
    last_id = 0
    while True:
        try:
            rows = db.session.execute(
                select(MessageImage.id, MessageImage.s3_key)
                .where(condition, MessageImage.id > last_id)
                .order_by(MessageImage.id).limit(batch_size)
                .with_for_update(skip_locked=True)).all()
            if not rows:
                db.session.rollback()
                return removed, failed
            last_id = rows[-1].id
            refused = bucket.delete_many(row.s3_key for row in rows)
            done = [row.id for row in rows if row.s3_key not in refused]
            if done:
                db.session.execute(delete(MessageImage).where(MessageImage.id.in_(done)))
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        removed += len(done)
        failed += len(rows) - len(done)
