"""Admin access to the background jobs: trigger one, follow it, see the queues (the /admin door)."""
from datetime import datetime, timezone

from app.errors import NotFound
from app.services.users import require_admin
from tasks import history, huey
from tasks.maintenance import PERIODIC

# Admin trigger name -> periodic task name (tasks.maintenance.PERIODIC).
TRIGGERS = {"archive": "archive_conversations", "cleanup": "cleanup_images"}
LISTED = 50  # tasks shown per queue section
TASK_NAMES = ("archive_conversations", "cleanup_images", "deliver_push")


def trigger(user_id, job):
    """Enqueue the job now (as the nightly schedule would) and return its record (id, state)."""
    require_admin(user_id)
    task, _ = PERIODIC[TRIGGERS[job]]
    result = task()
    return history.job(result.id) or {"id": result.id, "name": TRIGGERS[job], "state": history.QUEUED}


def job_status(user_id, job_id):
    """The job's state and, once finished, its result or error. Raises NotFound if unknown/expired."""
    require_admin(user_id)
    record = history.job(job_id)
    if record is None:
        raise NotFound("job not found")
    return record


def _describe(task):
    return {"id": task.id, "name": task.name, "args": list(task.args or ()), "retries_left": task.retries,
            "eta": task.eta.replace(tzinfo=timezone.utc).isoformat() if task.eta else None}


def queue_overview(user_id):
    """What the queue dashboard shows: pending, scheduled and periodic tasks, recent results and failures."""
    require_admin(user_id)
    now = datetime.now(timezone.utc)
    periodic = []
    for name, (_, schedule) in PERIODIC.items():
        periodic.append({"name": name, "schedule": schedule.description, "timezone": schedule.timezone(),
                         "next_run": schedule.next_run(now).isoformat()})
    return {
        "generated_at": now.isoformat(),
        "pending_count": huey.pending_count(),
        "pending": [_describe(task) for task in huey.pending(limit=LISTED)],
        "scheduled_count": huey.scheduled_count(),
        "scheduled": [_describe(task) for task in huey.scheduled(limit=LISTED)],
        "periodic": periodic,
        "recent": history.recent(TASK_NAMES, LISTED),
        "failures": history.failures(LISTED),
    }
