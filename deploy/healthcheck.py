"""The image's HEALTHCHECK (Dockerfile): is this container's server alive and answering?

One image runs every role, so the check follows what the container runs:
- a Gunicorn server (ROLE api or realtime): GET /health on the port it binds (BIND, else PORT,
  as gunicorn.conf.py reads them) must answer 200 within 3 s. /health is liveness: the process
  serves requests. Not /health/ready: during a PostgreSQL or Redis outage every container would
  turn unhealthy at once, and an orchestrator that restarts unhealthy containers would restart
  them all for a failure that restarts cannot fix. Readiness (/health/ready) is for routing
  traffic: the load balancer, or docker-compose's healthcheck for depends_on.
- anything else (the Huey consumer, a migration): healthy while it runs. It is the container's
  main process, so when it dies the container stops, which Docker reports and restarts by itself.

Standard library only; exit status 0 healthy, 1 unhealthy.
"""
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path


def runs_gunicorn():
    """Whether a Gunicorn process runs in this container (its command line names gunicorn)."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if b"gunicorn" in cmdline.read_bytes():
                return True
        except OSError:
            continue  # the process ended while we looked
    return False


def bound_port(env):
    bind = env.get("BIND") or f"0.0.0.0:{env.get('PORT', '3000')}"
    return int(bind.rsplit(":", 1)[1])


def answers(port, timeout=3):
    """Whether GET /health on 127.0.0.1:`port` answers 200."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def main():
    if not runs_gunicorn():
        return 0
    return 0 if answers(bound_port(os.environ)) else 1


if __name__ == "__main__":
    sys.exit(main())
