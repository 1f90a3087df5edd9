"""Real server processes against the session's PostgreSQL and Redis, for the tests that need the
production shape: Gunicorn (ROLE api, realtime or dev) on loopback ports, and the Huey consumer."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from devstack.net import free_port
from tests.helpers import wait_until

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
    """One Gunicorn process (ROLE api, realtime or dev) on a free loopback port. Its environment:
    `env`, then `defaults` (the realtime tests' short TTLs and small limits unless given), then `settings`;
    `output`: a file path that receives the process's stdout and stderr (else they are the tests')."""

    def __init__(self, role, env, defaults=TEST_SETTINGS, output=None, **settings):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env, **defaults, **settings, "ROLE": role,
                    "BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": "1"}
        self.output = output
        self.process = None
        self.start()

    def start(self):
        sink = open(self.output, "ab") if self.output else None
        self.process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                                        cwd=ROOT, env=self.env, start_new_session=True, stdout=sink,
                                        stderr=subprocess.STDOUT if sink else None)
        if sink:
            sink.close()  # the child has its own copy
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def restart(self):
        """Kill the process, as a crash would, and start a new one on the same port."""
        self.kill()
        self.start()

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




class Consumer:
    """`huey_consumer tasks.huey` with two worker threads and environment `env`; its output goes to
    `log_path`."""

    def __init__(self, env, log_path):
        self.log_path = Path(log_path)
        huey_consumer = Path(sys.executable).parent / "huey_consumer"
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([str(huey_consumer), "tasks.huey", "--workers", "2"],
                                            cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
        wait_until(lambda: "huey consumer started" in self.log_path.read_text().lower() or self.process.poll() is not None,
                   what="the consumer to start")
        assert self.process.poll() is None, self.log_path.read_text()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
