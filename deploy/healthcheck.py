"""The image's HEALTHCHECK (Dockerfile): is this container's server alive and answering?

One image runs every role, so the check follows what the container runs:
- a Gunicorn server (ROLE api or realtime): GET /health on the port it binds (BIND, else PORT,
  as gunicorn.conf.py reads them) must answer 200 within 3 s. /health is liveness: the process
  serves requests. Not /health/ready: during a PostgreSQL or Redis outage every container would
  turn unhealthy at once, and an orchestrator that restarts unhealthy containers would restart
  them all for a failure that restarts cannot fix. Readiness (`--ready`: GET /health/ready) is
  for routing traffic: the load balancer, or docker-compose's healthcheck for depends_on.
- the Huey consumer: its heartbeat file (CONSUMER_HEARTBEAT_FILE), touched by its scheduler each
  time it reads the job schedule from Redis (every second, tasks/__init__.py), must be at most
  HEARTBEAT_MAX_AGE_SECONDS old: the consumer runs and reaches its queue. (Restarting a consumer
  costs nothing: it holds no client connections, and its jobs are idempotent.)
- anything else (a migration): healthy while it runs. It is the container's main process, so
  when it dies the container stops, which Docker reports and restarts by itself.

Standard library only; exit status 0 healthy, 1 unhealthy.
"""
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HEARTBEAT_MAX_AGE_SECONDS = 30
DEFAULT_HEARTBEAT_FILE = "/tmp/huey-consumer.heartbeat"  # as app/config.py's huey_settings


def runs(program):
    """Whether a process in this container runs `program` (its command line names it)."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if program.encode() in cmdline.read_bytes():
                return True
        except OSError:
            continue  # the process ended while we looked
    return False


def bound_port(env):
    bind = env.get("BIND") or f"0.0.0.0:{env.get('PORT', '3000')}"
    return int(bind.rsplit(":", 1)[1])


def answers(port, path="/health", timeout=3):
    """Whether GET `path` on 127.0.0.1:`port` answers 200."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def heartbeat_is_fresh(path, max_age=HEARTBEAT_MAX_AGE_SECONDS):
    """Whether the file at `path` was touched within the last `max_age` seconds."""
    try:
        return time.time() - Path(path).stat().st_mtime <= max_age
    except OSError:
        return False


def main(argv, env):
    if runs("gunicorn"):
        return 0 if answers(bound_port(env), "/health/ready" if "--ready" in argv else "/health") else 1
    if runs("huey_consumer"):
        return 0 if heartbeat_is_fresh(env.get("CONSUMER_HEARTBEAT_FILE") or DEFAULT_HEARTBEAT_FILE) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], os.environ))
