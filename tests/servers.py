"""Real Gunicorn processes (ROLE api or realtime) on loopback ports, against the session's
PostgreSQL and Redis, for the tests that need the production shape."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from devstack.net import free_port

ROOT = Path(__file__).resolve().parents[1]

# Short TTLs so lapses happen within a test; small limits so they can be reached.
TEST_SETTINGS = {
    "TYPING_TTL_SECONDS": "1",
    "TYPING_MAX_GROUP_SIZE": "3",
    "PRESENCE_TTL_SECONDS": "1.5",
    "PRESENCE_IDLE_SECONDS": "600",
    "SEND_RATE_LIMIT": "20",
    "LOG_LEVEL": "WARNING",
}


class Server:
    """One Gunicorn process (ROLE api or realtime) on a free loopback port."""

    def __init__(self, role, env, **settings):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, **env, **TEST_SETTINGS, **settings, "ROLE": role,
               "BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": "1"}
        self.process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                                        cwd=ROOT, env=env, start_new_session=True)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            try:
                if requests.get(self.url + "/health", timeout=5).status_code < 500:
                    return
            except requests.RequestException:
                pass  # still booting
            time.sleep(0.1)
        raise RuntimeError(f"server on {self.url} did not become ready")

    def kill(self):
        """SIGKILL the whole process group: no cleanup code runs, as when a machine dies."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


