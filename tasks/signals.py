"""Every job's start, success, failure and retry is logged and recorded (tasks.history)."""
import logging
import time

from huey import signals as S

from tasks import huey
from tasks import history
from tasks.context import app_context

log = logging.getLogger("tasks")


def _label(task):
    return f"{task.name}[{task.id}]"


@huey.signal(S.SIGNAL_ENQUEUED)
def on_enqueued(signal, task):
    state = history.SCHEDULED if task.eta else history.QUEUED
    with app_context():
        history.record(task.id, task.name, state=state, enqueued_at=history.now(),
                       eta=task.eta.isoformat() + "Z" if task.eta else None)


@huey.signal(S.SIGNAL_EXECUTING)
def on_executing(signal, task):
    with app_context():  # first, so that the first job's line is logged by a configured logger
        log.info("job started: %s", _label(task))
        history.record(task.id, task.name, state=history.RUNNING, started_at=history.now())


@huey.post_execute()
def on_finished(task, value, exc):
    """Runs after every attempt, before Huey decides whether to retry; `exc` is None on success."""
    with app_context():
        started = (history.job(task.id) or {}).get("started_at") or time.time()
        duration = round(time.time() - started, 3)
        if exc is None:
            log.info("job succeeded: %s in %.3fs result=%s", _label(task), duration, value)
            history.record(task.id, task.name, state=history.SUCCEEDED, result=value,
                           finished_at=history.now(), duration_s=duration, error=None)
            history.remember_finished(task.id, task.name, failed=False)
        elif task.retries:
            # Huey re-queues it after this hook; the retrying signal logs when.
            history.record(task.id, task.name, state=history.RETRYING, retries_left=task.retries,
                           error=f"{type(exc).__name__}: {exc}", duration_s=duration)
        else:
            log.error("job failed: %s after %.3fs: %s: %s", _label(task), duration, type(exc).__name__, exc)
            history.record(task.id, task.name, state=history.FAILED, error=f"{type(exc).__name__}: {exc}",
                           finished_at=history.now(), duration_s=duration)
            history.remember_finished(task.id, task.name, failed=True)


@huey.signal(S.SIGNAL_RETRYING)
def on_retrying(signal, task):
    # Called before Huey re-queues: task.retry_delay is the delay this retry will wait.
    with app_context():
        log.warning("job will retry: %s in %ss (%s retries left)", _label(task), task.retry_delay, task.retries - 1)


@huey.signal(S.SIGNAL_REVOKED, S.SIGNAL_EXPIRED, S.SIGNAL_CANCELED, S.SIGNAL_INTERRUPTED, S.SIGNAL_TIMEOUT)
def on_not_run(signal, task, *args):
    with app_context():
        log.warning("job %s: %s", signal, _label(task))
        history.record(task.id, task.name, state=signal, finished_at=history.now())
