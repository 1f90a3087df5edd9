"""A real Huey consumer (`huey_consumer tasks.huey`, a subprocess) on the test PostgreSQL and Redis,
with the session's VAPID key pair."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import wait_until

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def consumer(stack, vapid_keys, request):
    """`huey_consumer tasks.huey` with the test environment and two worker threads, for one test module
    (so modules without it can look at queues nobody consumes). Yields the path of its log."""
    log_path = Path(stack["var_dir"]) / f"huey-consumer-{request.module.__name__}.log"
    env = {**os.environ, **{k: v for k, v in stack["env"].items() if k != "FLASK_APP"},
           "LOG_LEVEL": "INFO", "PUSH_ALLOW_HTTP_ENDPOINTS": "true", "PUSH_TTL_SECONDS": "120",
           **{k: v for k, v in vapid_keys.items() if k.startswith("VAPID_")}}
    huey_consumer = Path(sys.executable).parent / "huey_consumer"
    with open(log_path, "ab") as log:
        process = subprocess.Popen([str(huey_consumer), "tasks.huey", "--workers", "2"],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    wait_until(lambda: "huey consumer started" in log_path.read_text().lower() or process.poll() is not None,
               what="the consumer to start")
    assert process.poll() is None, log_path.read_text()
    yield log_path
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
