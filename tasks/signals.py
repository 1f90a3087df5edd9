"""Every job's start, success, failure and retry is logged, counted (app/metrics.py) and recorded
(tasks.history). Each line carries the job's id and task name (tasks.MessagingHuey.execute binds
them), and its counts and duration; never its arguments' private content."""
import logging
import time

from huey import signals as S

from app import metrics, outages
from app.errors import dependency_of
from tasks import history, huey
from tasks.context import app_context

log = logging.getLogger("tasks")


@huey.signal(S.SIGNAL_ENQUEUED)
def on_enqueued(signal, task):
    state = history.SCHEDULED if task.eta else history.QUEUED
    with app_context():
        history.record(task.id, task.name, state=state, enqueued_at=history.now(),
                       eta=task.eta.isoformat() + "Z" if task.eta else None)


@huey.signal(S.SIGNAL_EXECUTING)
def on_executing(signal, task):
    with app_context():  # first, so that the first job's line is logged by a configured logger
        log.info("job started")
        history.record(task.id, task.name, state=history.RUNNING, started_at=history.now())


@huey.post_execute()
def on_finished(task, value, exc):
    """Runs after every attempt, before Huey decides whether to retry; `exc` is None on success."""
    with app_context():
        started = (history.job(task.id) or {}).get("started_at") or time.time()
        duration = round(time.time() - started, 3)
        metrics.JOB_DURATION.labels(task.name).observe(duration)
        if exc is None:
            metrics.JOB_RUNS.labels(task.name, "succeeded").inc()
            log.info("job succeeded", extra={"duration_s": duration, "result": value})
            history.record(task.id, task.name, state=history.SUCCEEDED, result=value,
                           finished_at=history.now(), duration_s=duration, error=None)
            history.remember_finished(task.id, task.name, failed=False)
            return
        dependency = dependency_of(exc)
        if dependency:
            outages.lost(dependency, exc)
        error = f"{type(exc).__name__}: {exc}"
        if task.retries:
            # Huey re-queues it after this hook; the retrying signal logs when.
            metrics.JOB_RUNS.labels(task.name, "retrying").inc()
            history.record(task.id, task.name, state=history.RETRYING, retries_left=task.retries,
                           error=error, duration_s=duration)
        else:
            metrics.JOB_RUNS.labels(task.name, "failed").inc()
            log.error("job failed", extra={"duration_s": duration, "error": error})
            history.record(task.id, task.name, state=history.FAILED, error=error,
                           finished_at=history.now(), duration_s=duration)
            history.remember_finished(task.id, task.name, failed=True)


@huey.signal(S.SIGNAL_RETRYING)
def on_retrying(signal, task):
    # Called before Huey re-queues: task.retry_delay is the delay this retry will wait.
    with app_context():
        log.warning("job will retry", extra={"retry_in_s": task.retry_delay, "retries_left": task.retries - 1})


@huey.signal(S.SIGNAL_REVOKED, S.SIGNAL_EXPIRED, S.SIGNAL_CANCELED, S.SIGNAL_INTERRUPTED, S.SIGNAL_TIMEOUT)
def on_not_run(signal, task, *args):
    with app_context():
        log.warning("job not run", extra={"signal": signal})
        history.record(task.id, task.name, state=signal, finished_at=history.now())
