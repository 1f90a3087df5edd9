"""Real server processes against the session's PostgreSQL and Redis, for the tests that need the
production shape: Gunicorn (ROLE api, realtime or dev) on loopback ports, the Huey consumer, nginx."""
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
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
    # Scrapers present it (tests/realtime/test_metrics.py).
    "METRICS_TOKEN": "test-metrics-token-0123456789",  # fixed: test ids are built from it (pytest-xdist)
}


def wait_for_http(url, process, timeout=30):
    """Wait until GET `url` answers below 500; raises RuntimeError if `process` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if requests.get(url, timeout=5).status_code < 500:
                return
        except requests.RequestException:
            pass  # still booting
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def stop_gracefully(process, timeout=20):
    """SIGTERM the process group, as an orchestrator stops a container; SIGKILL after `timeout` s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


class Server:
    """One Gunicorn process (ROLE api, realtime or dev) on a free loopback port. Its environment:
    `env`, then `defaults` (the realtime tests' short TTLs and small limits unless given), one worker,
    then `settings`;
    `output`: a file path that receives the process's stdout and stderr (else they are the tests')."""

    def __init__(self, role, env, defaults=TEST_SETTINGS, output=None, **settings):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env, **defaults, "WEB_CONCURRENCY": "1", **settings, "ROLE": role,
                    "BIND": f"127.0.0.1:{self.port}"}
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
            wait_for_http(self.url + "/health", self.process)
        except BaseException:
            self.stop()
            raise

    def restart(self):
        """Kill the process, as a crash would, and start a new one on the same port."""
        self.kill()
        self.start()

    def kill(self):
        """SIGKILL the whole process group: no cleanup code runs, as when a machine dies."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        """SIGTERM, as an orchestrator stops a process (a rolling restart is stop() then start())."""
        stop_gracefully(self.process)


def side_by_side(started, *factories):
    """Start processes in parallel (they boot in seconds, mostly importing); each one that started
    is added to `started`, so it is stopped even when another failed to start."""
    with ThreadPoolExecutor() as pool:
        futures = [pool.submit(factory) for factory in factories]
    errors = [future.exception() for future in futures if future.exception()]
    started += [future.result() for future in futures if not future.exception()]
    if errors:
        raise errors[0]
    return [future.result() for future in futures]


class Consumer:
    """`huey_consumer tasks.huey` with two worker threads (or another `command` that runs it) and
    environment `env`; its output goes to `log_path`."""

    def __init__(self, env, log_path, command=None):
        self.log_path = Path(log_path)
        command = command or [str(Path(sys.executable).parent / "huey_consumer"), "tasks.huey", "--workers", "2"]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(lambda: "huey consumer started" in self.log_path.read_text().lower() or self.process.poll() is not None,
                   what="the consumer to start")
        assert self.process.poll() is None, self.log_path.read_text()

    def stop(self):
        stop_gracefully(self.process, timeout=15)


# What nginx needs around a conf.d include such as deploy/nginx.conf to run unprivileged in `directory`.
_NGINX_MAIN = """
daemon off;
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {directory}/access.log;
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    include {directory}/site.conf;
}}
"""


class Nginx:
    """nginx (the binary at `path`) serving the http-level configuration `site_conf`, whose
    `listen` must be `port`; its files live in `directory`."""

    def __init__(self, path, site_conf, port, directory):
        self.url = f"http://127.0.0.1:{port}"
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o755)  # run as root, nginx's workers drop to nobody
        (directory / "site.conf").write_text(site_conf)
        (directory / "nginx.conf").write_text(_NGINX_MAIN.format(directory=directory))
        self.process = subprocess.Popen([path, "-c", str(directory / "nginx.conf"), "-p", str(directory)],
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            wait_for_http(self.url + "/health", self.process)
        except BaseException:
            self.stop()
            raise

    def stop(self):
        # SIGTERM is nginx's fast shutdown; a test's end needs nothing gentler.
        stop_gracefully(self.process, timeout=10)
