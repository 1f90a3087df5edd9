"""The nightly jobs: archive inactive conversations (02:00) and clean up images (03:00).

Both run under a Redis lock (tasks.locks), so two consumers, or a manual trigger during the
nightly run, never work at the same time: the second one returns {"skipped": ...}.
Failures retry three times, waiting 1, 2 then 4 minutes.
"""
import logging
import time

from app.services.archive import archive_inactive_conversations
from app.services.image_cleanup import cleanup_images as remove_unused_images
from tasks import huey
from tasks.context import in_app_context
from tasks.locks import exclusive
from tasks.schedule import daily_at

log = logging.getLogger(__name__)

RETRY = {"retries": 3, "retry_delay": 60, "retry_backoff": 2}
ARCHIVE_SCHEDULE, CLEANUP_SCHEDULE = daily_at(2), daily_at(3)


def _locked_run(name, work):
    with exclusive(name) as held:
        if not held:
            log.info("%s: another run holds the lock; skipping", name)
            return {"skipped": "another run is in progress"}
        started = time.monotonic()
        report = work()
        result = {**report.as_dict(), "duration_s": round(time.monotonic() - started, 3)}
        log.info("%s: done: %s", name, result)
        return result


@huey.periodic_task(ARCHIVE_SCHEDULE, name="archive_conversations", **RETRY)
@in_app_context
def archive_conversations():
    """Archive conversations with no message for ARCHIVE_AFTER_DAYS, for every participant."""
    return _locked_run("archive_conversations", archive_inactive_conversations)


@huey.periodic_task(CLEANUP_SCHEDULE, name="cleanup_images", **RETRY)
@in_app_context
def cleanup_images():
    """Delete unattached uploads older than 24 h and the images of deleted messages (storage and DB)."""
    return _locked_run("cleanup_images", remove_unused_images)


# What the queue dashboard lists as periodic (task, schedule), and what the admin triggers may start.
PERIODIC = {"archive_conversations": (archive_conversations, ARCHIVE_SCHEDULE),
            "cleanup_images": (cleanup_images, CLEANUP_SCHEDULE)}
