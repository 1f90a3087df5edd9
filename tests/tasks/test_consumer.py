"""The job consumer's start-up: a bad setting stops it with one line, as it stops the web processes."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_consumer_stops_at_start_with_one_line_naming_a_bad_setting(stack):
    env = {**os.environ, **stack["env"], "SEND_RATE_LIMIT": "100/hour"}

    started = subprocess.run([str(Path(sys.executable).parent / "huey_consumer"), "tasks.huey"], cwd=ROOT,
                             env=env, capture_output=True, text=True, timeout=60)

    assert started.returncode == 4
    lines = [line for line in started.stderr.splitlines() if "SEND_RATE_LIMIT" in line]
    assert lines == ["configuration error: SEND_RATE_LIMIT='100/hour': not a whole number of messages "
                     "(per SEND_RATE_WINDOW_SECONDS, a separate setting); e.g. SEND_RATE_LIMIT=100"]
    assert "Traceback" not in started.stderr
