"""What happened to each job, kept in Redis for the admin endpoints.

One JSON record per job id (key "jobs:<id>") and, per task name, a capped list of the latest
finished job ids ("jobs:recent:<name>"), plus one capped list of failures ("jobs:failures"), and
when each task last succeeded (the hash "jobs:last_success", task name -> Unix time, kept for good: "the archive has not
succeeded for 26 h" must stay visible however long the outage, tasks/metrics.py).
Lists hold HISTORY_LENGTH ids; everything expires (records of the frequent push deliveries after an
hour, the rest after a week), so the history stays small however busy the queue is.
Huey's own queue only knows what is still waiting; this is where finished jobs are remembered.
"""
import json
import time

from app.redis_client import get_redis, key

HISTORY_LENGTH = 100
TTL_SECONDS = 7 * 24 * 3600
TTL_BY_TASK = {"deliver_push": 3600}

# Job states, in the order a job usually goes through them.
QUEUED, SCHEDULED, RUNNING, RETRYING, SUCCEEDED, FAILED = (
    "queued", "scheduled", "running", "retrying", "succeeded", "failed")


def now():
    return round(time.time(), 3)


def _ttl(name):
    return TTL_BY_TASK.get(name, TTL_SECONDS)


def record(task_id, name, **fields):
    """Merge `fields` into the job's record; returns the record."""
    redis = get_redis()
    job_key = key("jobs", task_id)
    current = json.loads(redis.get(job_key) or "{}")
    current.update(id=task_id, name=name, updated_at=now(), **fields)
    redis.set(job_key, json.dumps(current, default=str), ex=_ttl(name))
    return current


def job(task_id):
    """The job's record, or None if it is unknown or expired."""
    raw = get_redis().get(key("jobs", task_id))
    return json.loads(raw) if raw else None


def remember_finished(task_id, name, failed):
    """Put a finished job at the head of its task's recent list (and of the failures list if it
    failed, else note when its task last succeeded)."""
    pipe = get_redis().pipeline()
    lists = [key("jobs", "recent", name)] + ([key("jobs", "failures")] if failed else [])
    for list_key in lists:
        pipe.lpush(list_key, task_id)
        pipe.ltrim(list_key, 0, HISTORY_LENGTH - 1)
        pipe.expire(list_key, TTL_SECONDS)
    if not failed:
        pipe.hset(key("jobs", "last_success"), name, now())
    pipe.execute()


def last_successes(names):
    """{task name: when it last succeeded (Unix time)} for those of `names` that ever have."""
    stamps = get_redis().hmget(key("jobs", "last_success"), list(names))
    return {name: float(stamp) for name, stamp in zip(names, stamps) if stamp is not None}


def _records(list_keys, limit):
    redis = get_redis()
    ids = [task_id for list_key in list_keys for task_id in redis.lrange(list_key, 0, limit - 1)]
    if not ids:
        return []
    records = [json.loads(raw) for raw in redis.mget([key("jobs", task_id) for task_id in ids]) if raw]
    records.sort(key=lambda r: r.get("finished_at") or 0, reverse=True)
    return records[:limit]


def recent(names, limit=HISTORY_LENGTH):
    """Records of the latest finished jobs of these task names, newest first."""
    return _records([key("jobs", "recent", name) for name in names], limit)


def failures(limit=HISTORY_LENGTH):
    """Records of the latest failed jobs (after their last retry), newest first."""
    return _records([key("jobs", "failures")], limit)
