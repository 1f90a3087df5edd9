"""What happened to each job, kept in Redis for the admin endpoints.

One JSON record per job id (key "jobs:<id>", kept JOB_TTL_SECONDS) plus two capped lists of ids:
the most recent finished jobs and the most recent failures (HISTORY_LENGTH each, same TTL).
Huey's own queue only knows what is still waiting; this is where finished jobs are remembered.
"""
import json
import time

from app.redis_client import get_redis, key

HISTORY_LENGTH = 100
JOB_TTL_SECONDS = 7 * 24 * 3600

# Job states, in the order a job usually goes through them.
QUEUED, SCHEDULED, RUNNING, RETRYING, SUCCEEDED, FAILED = (
    "queued", "scheduled", "running", "retrying", "succeeded", "failed")
FINISHED = {SUCCEEDED, FAILED}


def _now():
    return round(time.time(), 3)


def record(task_id, **fields):
    """Merge `fields` into the job's record; returns the record."""
    redis = get_redis()
    job_key = key("jobs", task_id)
    current = json.loads(redis.get(job_key) or "{}")
    current.update(id=task_id, updated_at=_now(), **fields)
    redis.set(job_key, json.dumps(current, default=str), ex=JOB_TTL_SECONDS)
    return current


def job(task_id):
    """The job's record, or None if it is unknown or expired."""
    raw = get_redis().get(key("jobs", task_id))
    return json.loads(raw) if raw else None


def remember_finished(task_id, failed):
    """Put a finished job at the head of the recent list (and the failures list if it failed)."""
    pipe = get_redis().pipeline()
    for name in ("recent", "failures") if failed else ("recent",):
        list_key = key("jobs", name)
        pipe.lpush(list_key, task_id)
        pipe.ltrim(list_key, 0, HISTORY_LENGTH - 1)
        pipe.expire(list_key, JOB_TTL_SECONDS)
    pipe.execute()


def recent(name, limit=HISTORY_LENGTH):
    """Records of the latest finished jobs ("recent") or failures ("failures"), newest first."""
    redis = get_redis()
    ids = redis.lrange(key("jobs", name), 0, limit - 1)
    if not ids:
        return []
    raws = redis.mget([key("jobs", task_id) for task_id in ids])
    return [json.loads(raw) for raw in raws if raw]
