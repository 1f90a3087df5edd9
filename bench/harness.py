"""What the benchmarks share: the backing services, the migrated app, Gunicorn servers of a role,
percentiles, and the conditions of a run (machine, load average, versions) for bench/RESULTS.md.

Nothing here patches with gevent: a benchmark that needs it patches before importing this.
"""
import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from devstack.embedded import ensure_services, stop_all

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def backing_services(database, keep=None, **settings):
    """PostgreSQL and Redis for a benchmark: DATABASE_URL / REDIS_URL from the environment, else
    embedded ones in a temporary directory (stopped and deleted at the end), or in `keep` (stopped,
    their data left there for the next run). Yields the environment for the app and its servers,
    with `settings` (strings) added."""
    # Short paths: unix socket names are limited.
    var_dir = keep or tempfile.mkdtemp(prefix="msgbench-", dir="/tmp")
    given = {"DATABASE_URL": os.environ.get("DATABASE_URL", ""), "REDIS_URL": os.environ.get("REDIS_URL", "")}
    services = []
    try:
        env, services = ensure_services(var_dir, given, database=database)
        yield {**os.environ, **env, "JWT_SECRET_KEY": secrets.token_hex(32), "REDIS_KEY_PREFIX": "bench:",
               "MEDIA_ROOT": os.path.join(var_dir, "media"), "LOG_LEVEL": "WARNING", **settings}
    finally:
        stop_all(services)
        if not keep:
            shutil.rmtree(var_dir, ignore_errors=True)


def migrated_app(env):
    """The app, in this process, on `env`'s services, with the migrations applied."""
    os.environ.update(env)
    from flask_migrate import upgrade

    from app import create_app

    app = create_app()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


def start_server(module, env, port, role, **settings):
    """A Gunicorn server of `role` ("api", "realtime") for `module` on 127.0.0.1:port, once it answers."""
    env = {**env, "ROLE": role, "BIND": f"127.0.0.1:{port}", **settings}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", module],
                               cwd=ROOT, env=env, start_new_session=True)
    probe = "/health" if role == "api" else "/socket.io/?EIO=4&transport=polling"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{module} ({role}) exited with {process.returncode}")
        try:
            requests.get(f"http://127.0.0.1:{port}{probe}", timeout=2)
            return process
        except requests.RequestException:
            time.sleep(0.2)
    stop_server(process)
    raise RuntimeError(f"{module} ({role}) did not start")


def stop_server(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def percentile(values, p):
    """The p-th percentile (nearest rank) of `values`, or None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def milliseconds(values, ps=(50, 95, 99)):
    """{p: the p-th percentile of `values` (seconds) in ms, 1 decimal}."""
    return {p: (round(percentile(values, p) * 1000, 1) if values else None) for p in ps}


def publish(report, table, json_path=None):
    """Print a benchmark's report (JSON) and its Markdown `table`; also write the JSON to `json_path`."""
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    print(table)
    if json_path:
        Path(json_path).write_text(text)


def load_average():
    return [round(value, 2) for value in os.getloadavg()]


def conditions(database_url=None, redis_client=None):
    """The machine and versions a run had, for its report."""
    import platform

    found = {"cpus": os.cpu_count(), "python": platform.python_version(), "machine": platform.processor() or
             platform.machine(), "load_average": load_average()}
    with contextlib.suppress(OSError, ValueError):
        meminfo = Path("/proc/meminfo").read_text().split()
        found["memory_gib"] = round(int(meminfo[meminfo.index("MemTotal:") + 1]) / 2**20, 1)
    if database_url:
        from bench.seed import connect

        connection = connect(database_url)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('server_version'), current_setting('shared_buffers'), "
                               "current_setting('work_mem'), current_setting('jit')")
                version, shared_buffers, work_mem, jit = cursor.fetchone()
        finally:
            connection.close()
        found["postgresql"] = {"version": version, "shared_buffers": shared_buffers, "work_mem": work_mem,
                               "jit": jit}
    if redis_client is not None:
        found["redis"] = redis_client.info("server")["redis_version"]
    return found
