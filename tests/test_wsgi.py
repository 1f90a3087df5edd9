"""The WSGI entry point under Gunicorn: a bad setting stops start-up with one line."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_gunicorn_stops_at_start_with_one_line_naming_a_bad_setting(stack):
    env = {**os.environ, **stack["env"], "ROLE": "api", "BIND": "127.0.0.1:0", "WEB_CONCURRENCY": "1",
           "SEND_RATE_LIMIT": "100/hour"}

    started = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                             env=env, capture_output=True, text=True, timeout=60)

    assert started.returncode != 0
    lines = [line for line in started.stderr.splitlines() if "SEND_RATE_LIMIT" in line]
    assert lines == ["configuration error: SEND_RATE_LIMIT='100/hour': not a whole number of messages "
                     "(per SEND_RATE_WINDOW_SECONDS, a separate setting); e.g. SEND_RATE_LIMIT=100"]
    assert "Traceback" not in started.stderr
