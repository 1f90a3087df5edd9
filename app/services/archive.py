"""Archiving conversations nobody has written in for a while (the nightly archive job)."""
import logging
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import exists, func, select, update

from app.extensions import db
from app.models import Conversation, Participant

log = logging.getLogger(__name__)

BATCH_SIZE = 500


@dataclass
class ArchiveReport:
    conversations: int = 0
    participants: int = 0
    batches: int = 0
    duration_s: float = 0.0
    cutoff: str = ""

    def as_dict(self):
        return asdict(self)


def _inactive_since(cutoff):
    """Conversations whose last message (or creation, if none) is older than `cutoff` and that are
    still unarchived for at least one participant."""
    activity = func.coalesce(Conversation.last_message_at, Conversation.created_at)
    unarchived = exists().where(Participant.conversation_id == Conversation.id, Participant.archived_at.is_(None))
    return select(Conversation.id).where(activity < cutoff, unarchived)


def archive_inactive_conversations(after_days=None, batch_size=BATCH_SIZE):
    """Archive, for every participant, the conversations with no message for `after_days`
    (default ARCHIVE_AFTER_DAYS). Returns an ArchiveReport.

    Works in batches of `batch_size` conversations, each its own transaction, so a run that
    dies half-way has kept its finished batches and the next run simply picks up the rest:
    the query only ever selects what is still to do, which also makes a second run a no-op.
    The batch's conversation rows are locked (FOR UPDATE, SKIP LOCKED): a message being sent
    into one of them either commits first (and the conversation is no longer inactive) or waits
    for this batch and then unarchives it as usual.
    """
    after_days = current_app.config["ARCHIVE_AFTER_DAYS"] if after_days is None else after_days
    started = time.monotonic()
    cutoff = datetime.now(timezone.utc) - timedelta(days=after_days)
    report = ArchiveReport(cutoff=cutoff.isoformat())
    while True:
        ids = list(db.session.scalars(_inactive_since(cutoff).order_by(Conversation.id).limit(batch_size)
                                      .with_for_update(of=Conversation, skip_locked=True)))
        if not ids:
            db.session.rollback()
            break
        archived = db.session.execute(
            update(Participant)
            .where(Participant.conversation_id.in_(ids), Participant.archived_at.is_(None))
            .values(archived_at=func.now()))
        db.session.commit()
        report.conversations += len(ids)
        report.participants += archived.rowcount
        report.batches += 1
    report.duration_s = round(time.monotonic() - started, 3)
    log.info("archive: %d conversations, %d participant rows, %d batches in %.3fs (inactive since %s)",
             report.conversations, report.participants, report.batches, report.duration_s, report.cutoff)
    return report
