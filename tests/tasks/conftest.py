"""A real Huey consumer (`huey_consumer tasks.huey`, a subprocess) on the test PostgreSQL and Redis,
with the session's VAPID key pair."""
from pathlib import Path

import pytest

from tests.servers import Consumer


@pytest.fixture(scope="module")
def consumer(stack, vapid_keys, request):
    """`huey_consumer tasks.huey` with the test environment and two worker threads, for one test module
    (so modules without it can look at queues nobody consumes). Yields the path of its log."""
    log_path = Path(stack["var_dir"]) / f"huey-consumer-{request.module.__name__}.log"
    env = {**{k: v for k, v in stack["env"].items() if k != "FLASK_APP"},
           "LOG_LEVEL": "INFO", "PUSH_ALLOW_HTTP_ENDPOINTS": "true", "PUSH_TTL_SECONDS": "120",
           **{k: v for k, v in vapid_keys.items() if k.startswith("VAPID_")}}
    process = Consumer(env, log_path)
    yield log_path
    process.stop()
