"""Load benchmark for the realtime tier, with a bare Flask-SocketIO relay measured in the same run.

    .venv/bin/python -m bench.load --connections 1000 --rate 100 --duration 20
    .venv/bin/python -m bench.load --processes 1 2 4 8 16 --rate 100 --duration 20   # the scale-out series

It starts an embedded PostgreSQL and Redis in a temporary directory (or uses DATABASE_URL /
REDIS_URL), applies the migrations, creates users in conversations of two, starts the realtime
Gunicorn processes (--processes, default 2) on free loopback ports, opens the connections
(python-socketio clients on gevent greenlets, in this process, or with --generators N in N child
processes, bench/generators.py; the two members of a pair on different server processes), sends
messages at the set rate spread over the pairs, and reports: connections held, messages/s
persisted (ok acks) and delivered (message_received), sender emit -> recipient receive latency
p50/p95/p99, errors, server RSS per connection, and the CPU the servers' workers, Redis (its
own INFO CPU) and PostgreSQL (its processes, when it runs on this machine) used while sending: in
total, per delivered message, and while idle (measured over --idle seconds before sending, all
connections open). Then it does the same against bench/relay.py, bare, and as the persisting relay
(each message stored with our send's statement and a commit, on raw psycopg2: PostgreSQL's own
price). With several --processes, each count is measured in turn (ours, then the relays);
--connect-to K puts every client on the first K of them, the others running with no one (what
idle processes cost per message). Prints a JSON report and a Markdown table.
With --profile DIR, py-spy (requirements-bench.txt) samples the first server's worker while
sending.
Everything is on loopback; every loop is bounded by the counts and timeouts given.
"""
from gevent import monkey

monkey.patch_all()

from psycogreen.gevent import patch_psycopg  # noqa: E402

patch_psycopg()

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import psutil  # noqa: E402
import redis  # noqa: E402
import requests  # noqa: E402
import socketio  # noqa: E402
from gevent.pool import Pool  # noqa: E402

from app.rooms import NAMESPACE  # noqa: E402
from bench.generators import SplitRun, raise_open_files_limit  # noqa: E402
from bench.harness import percentile, stop_server  # noqa: E402
from devstack.embedded import ensure_services, stop_all  # noqa: E402
from devstack.net import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def start_servers(module, env, ports):
    """Start one Gunicorn server per port, side by side, and wait until each answers; returns the
    processes. If one does not come up, all are stopped and RuntimeError is raised."""
    processes = []
    for port in ports:
        server_env = {**env, "ROLE": "realtime", "BIND": f"127.0.0.1:{port}", "LOG_LEVEL": "WARNING"}
        processes.append(subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", module],
                                          cwd=ROOT, env=server_env, start_new_session=True))
    deadline = time.monotonic() + 120
    for port in ports:
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling", timeout=2)
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    for process in processes:
                        stop_server(process)
                    raise RuntimeError(f"{module} did not start on port {port}")
                time.sleep(0.2)
    return processes


def workers(servers):
    """The Gunicorn workers (each master's child) of the given servers."""
    return [child for server in servers for child in psutil.Process(server.pid).children()]


def worker_rss(servers):
    """Total RSS of the servers' workers, in bytes."""
    return sum(worker.memory_info().rss for worker in workers(servers))


def worker_cpu(servers):
    """Total CPU seconds used so far by the servers' workers."""
    return sum(sum(worker.cpu_times()[:2]) for worker in workers(servers))


def redis_cpu(client):
    """CPU seconds Redis itself has used so far (its INFO CPU: the main process, user + system)."""
    info = client.info("cpu")
    return info["used_cpu_user"] + info["used_cpu_sys"]


def postgres_process(database_url):
    """PostgreSQL's postmaster (psutil.Process), if it runs on this machine and its data directory
    is readable (the embedded server always), else None."""
    from bench.seed import query

    try:
        (data_directory,), = query(database_url, "SHOW data_directory")
        return psutil.Process(int((Path(data_directory) / "postmaster.pid").read_text().split()[0]))
    except (OSError, ValueError, psutil.Error):
        return None


def postgres_cpu(postmaster):
    """CPU seconds PostgreSQL has used so far: the postmaster, its live backends and helpers, and
    (its children times) those that have exited; 0 when it is not measurable here."""
    if postmaster is None:
        return 0.0
    times = postmaster.cpu_times()
    used = times.user + times.system + times.children_user + times.children_system
    for child in postmaster.children():
        with contextlib.suppress(psutil.Error):
            used += sum(child.cpu_times()[:2])
    return used


def seed(env, pairs):
    """Users 2k and 2k+1 share conversation k. Returns [(token, conversation_id, pair index)] per user."""
    os.environ.update(env)
    from flask_jwt_extended import create_access_token
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db

    app = create_app()
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=str(ROOT / "migrations"))
        tables = ", ".join(t.name for t in db.metadata.sorted_tables)
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        users = db.session.execute(text(
            "INSERT INTO users (username, display_name, password_hash) "
            "SELECT 'bench' || g, 'bench ' || g, '!' FROM generate_series(1, :n) g RETURNING id"),
            {"n": pairs * 2}).scalars().all()
        clients = []
        for k in range(pairs):
            a, b = users[2 * k], users[2 * k + 1]
            conversation_id = db.session.execute(text(
                "INSERT INTO conversations (kind, created_by, direct_key) VALUES ('direct', :a, :key) RETURNING id"),
                {"a": a, "key": f"{a}:{b}"}).scalar_one()
            db.session.execute(text(
                "INSERT INTO conversation_participants (conversation_id, user_id) VALUES (:c, :a), (:c, :b)"),
                {"c": conversation_id, "a": a, "b": b})
            for uid in (a, b):
                clients.append((create_access_token(identity=str(uid)), conversation_id, k))
        db.session.commit()
        return app, clients


def persisted_count(app):
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        count = db.session.execute(text("SELECT count(*) FROM messages")).scalar_one()
        db.session.remove()
        return count


class Run:
    """One measured run against one server: connect, send at a rate, collect."""

    def __init__(self, urls, clients, relay):
        self.urls, self.clients, self.relay = urls, clients, relay
        self.tag = secrets.token_hex(4)  # client_message_ids are new in every run (a repeat is a retry)
        self.sockets = [None] * len(clients)
        self.send_times = {}
        self.latencies = []
        self.acked_ok = self.errors = self.delivered = 0
        self.error_samples = []

    def _error(self, what):
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(str(what)[:200])

    def _connect_one(self, index):
        token, conversation_id, pair = self.clients[index]
        client = socketio.Client(reconnection=False)

        def received(data):
            now = time.perf_counter()
            sent_at = self.send_times.pop(data["message"]["content"], None)
            if sent_at is not None:
                self.delivered += 1
                self.latencies.append(now - sent_at)

        client.on("message_received", received, namespace=NAMESPACE)
        auth = {"room": pair, "token": token} if self.relay else {"token": token}
        try:
            # Both members of a pair on different processes when there are several: cross-process delivery.
            client.connect(self.urls[index % len(self.urls)], auth=auth, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=30)
            self.sockets[index] = client
        except Exception as exc:  # noqa: BLE001 - counted and reported
            self._error(f"connect: {exc}")

    def connect_all(self, concurrency=50):
        Pool(concurrency).map(self._connect_one, range(len(self.clients)))
        return sum(1 for s in self.sockets if s is not None and s.connected)

    def send(self, rate, duration):
        total = int(rate * duration)
        pairs = len(self.clients) // 2
        start = time.perf_counter()
        for i in range(total):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                gevent.sleep(delay)
            pair = i % pairs
            index = 2 * pair + (i // pairs) % 2  # alternate the sender within each pair
            client = self.sockets[index]
            if client is None or not client.connected:
                self._error("sender not connected")
                continue
            token, conversation_id, room = self.clients[index]
            content = f"m{i}"
            payload = {"content": content, "client_message_id": f"{self.tag}-{i}"}
            payload.update({"room": room, "conversation_id": conversation_id} if self.relay
                           else {"conversation_id": conversation_id})
            self.send_times[content] = time.perf_counter()
            try:
                client.emit("send_message", payload, namespace=NAMESPACE, callback=self._acked)
            except Exception as exc:  # noqa: BLE001
                self._error(f"emit: {exc}")
        return time.perf_counter() - start, total

    def _acked(self, ack=None):
        if isinstance(ack, dict) and ack.get("ok"):
            self.acked_ok += 1
        else:
            self._error(f"ack: {ack}")

    @property
    def undelivered(self):
        return len(self.send_times)

    def drain(self, expected, timeout):
        deadline = time.monotonic() + timeout
        while self.delivered < expected and time.monotonic() < deadline:
            gevent.sleep(0.1)

    def close(self, concurrency=100):
        Pool(concurrency).map(lambda s: s and s.disconnect(), self.sockets)


def profile_first_worker(servers, args, name, processes):
    """With --profile DIR: py-spy samples the first server's worker while the messages are sent
    (on-CPU stacks, collapsed, in DIR/<server>-<processes>.txt); None otherwise."""
    if not args.profile:
        return None
    Path(args.profile).mkdir(parents=True, exist_ok=True)
    output = Path(args.profile) / f"{name.split()[0]}-{processes}.txt"
    return subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "--nonblocking", "--format", "raw",
                             "--duration", str(int(args.duration)), "--pid", str(workers(servers[:1])[0].pid),
                             "--output", str(output)], stdout=subprocess.DEVNULL)


def measure(name, module, env, clients, args, processes, relay, app=None):
    ports = [free_port() for _ in range(processes)]
    servers = []
    redis_client = redis.Redis.from_url(env["REDIS_URL"])
    postmaster = postgres_process(env["DATABASE_URL"])
    try:
        servers = start_servers(module, env, ports)
        rss_before = worker_rss(servers)
        # --connect-to K: every client on the first K processes, the others running with no one.
        urls = [f"http://127.0.0.1:{port}" for port in ports][:args.connect_to or processes]
        run = SplitRun(urls, clients, relay, args.generators) if args.generators > 1 else Run(urls, clients, relay)
        connect_started = time.perf_counter()
        held = run.connect_all()
        connect_seconds = time.perf_counter() - connect_started
        gevent.sleep(2)  # let connect-time work (presence fan-out) settle
        rss_connected = worker_rss(servers)
        load_before = os.getloadavg()[0]
        idle_cpu, idle_redis, idle_postgres = worker_cpu(servers), redis_cpu(redis_client), postgres_cpu(postmaster)
        gevent.sleep(args.idle)
        cpu_before, redis_before = worker_cpu(servers), redis_cpu(redis_client)
        idle_cpu, idle_redis = (cpu_before - idle_cpu) / args.idle, (redis_before - idle_redis) / args.idle
        idle_postgres = (postgres_cpu(postmaster) - idle_postgres) / args.idle
        persisted_before = persisted_count(app) if app else 0
        postgres_before = postgres_cpu(postmaster)
        profiler = profile_first_worker(servers, args, name, processes)
        elapsed, total = run.send(args.rate, args.duration)
        if profiler:
            profiler.wait()
        run.drain(total, timeout=args.drain)
        send_window = max(elapsed, 1e-9)
        cpu, redis_used = worker_cpu(servers) - cpu_before, redis_cpu(redis_client) - redis_before
        postgres_used = postgres_cpu(postmaster) - postgres_before
        persisted = (persisted_count(app) - persisted_before) if app else None
        lost = run.undelivered
        delivered = max(run.delivered, 1)
        result = {
            "server": name, "processes": processes, "holding_clients": min(args.connect_to or processes, processes),
            "connections_requested": len(clients), "connections_held": held,
            "connect_seconds": round(connect_seconds, 1), "load_average_before": round(load_before, 2),
            "rate_target": args.rate, "duration_s": round(elapsed, 1), "sent": total,
            "acked_ok": run.acked_ok, "persisted": persisted,
            "persisted_per_s": round(persisted / send_window, 1) if persisted is not None else None,
            "delivered": run.delivered, "delivered_per_s": round(run.delivered / send_window, 1),
            "undelivered": lost, "errors": run.errors, "error_samples": run.error_samples,
            "latency_ms": {p: (round(percentile(run.latencies, p) * 1000, 1) if run.latencies else None)
                           for p in (50, 95, 99)},
            "latency_max_ms": round(max(run.latencies) * 1000, 1) if run.latencies else None,
            "server_cpu_s": round(cpu, 2),
            "server_cpu_ms_per_message": round(cpu / delivered * 1000, 2),
            # What the messages cost beyond what the processes spend idle (beats, timers) meanwhile.
            "server_cpu_ms_per_message_net_of_idle": round((cpu - idle_cpu * elapsed) / delivered * 1000, 2),
            "server_idle_cpu_ms_per_s": round(idle_cpu * 1000, 1),
            "redis_cpu_s": round(redis_used, 3),
            "redis_cpu_ms_per_message": round(redis_used / delivered * 1000, 3),
            "redis_cpu_ms_per_message_net_of_idle": round((redis_used - idle_redis * elapsed) / delivered * 1000, 3),
            "redis_idle_cpu_ms_per_s": round(idle_redis * 1000, 2),
            # PostgreSQL's processes (None when it does not run here): its share of what a message costs.
            "postgres_cpu_s": round(postgres_used, 3) if postmaster else None,
            "postgres_cpu_ms_per_message": round(postgres_used / delivered * 1000, 3) if postmaster else None,
            "postgres_idle_cpu_ms_per_s": round(idle_postgres * 1000, 2) if postmaster else None,
            # The servers' workers, Redis and PostgreSQL together (the load generator left out).
            "all_cpu_ms_per_message": round((cpu + redis_used + postgres_used) / delivered * 1000, 2),
            "server_rss_mib": round(rss_connected / 2**20, 1),
            "rss_per_connection_kib": round((rss_connected - rss_before) / max(held, 1) / 1024, 1),
        }
        run.close()
        return result
    finally:
        redis_client.close()
        for server in servers:
            stop_server(server)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=1000, help="even number of clients (pairs share a conversation)")
    parser.add_argument("--rate", type=float, default=100, help="messages per second, all senders together")
    parser.add_argument("--duration", type=float, default=20, help="seconds of sending")
    parser.add_argument("--drain", type=float, default=10, help="seconds to wait for late deliveries")
    parser.add_argument("--processes", type=int, nargs="+", default=[2],
                        help="server processes (as docker-compose runs two); several counts are measured in turn")
    parser.add_argument("--idle", type=float, default=5, help="seconds of idle CPU measured before sending")
    parser.add_argument("--only", choices=["app", "relay", "persisting-relay"], nargs="+",
                        help="measure only these servers (default: all three)")
    parser.add_argument("--connect-to", type=int, metavar="K",
                        help="connect the clients to the first K processes only (the others hold no one)")
    parser.add_argument("--generators", type=int, default=1,
                        help="load generator processes sharing the clients (one process's file-descriptor limit"
                             " caps its connections); 1: the clients in this process")
    parser.add_argument("--json", help="also write the report to this file")
    parser.add_argument("--profile", help="profile the first server's worker with py-spy into this directory")
    args = parser.parse_args()
    raise_open_files_limit()
    pairs = args.connections // 2
    # A SIGTERM (e.g. from `timeout`) unwinds through the finally blocks that stop the servers.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))

    var_dir = tempfile.mkdtemp(prefix="msgbench-", dir="/tmp")
    given = {"DATABASE_URL": os.environ.get("DATABASE_URL", ""), "REDIS_URL": os.environ.get("REDIS_URL", "")}
    env, services = ensure_services(var_dir, given, database="messaging_bench")
    env = {**os.environ, **env, "JWT_SECRET_KEY": secrets.token_hex(32), "REDIS_KEY_PREFIX": "bench:",
           "MEDIA_ROOT": os.path.join(var_dir, "media"),
           "SEND_RATE_LIMIT": str(10**9), "JWT_ACCESS_TOKEN_MINUTES": "240", "RATELIMIT_ENABLED": "false"}
    results = []
    only = args.only or ["app", "relay", "persisting-relay"]
    try:
        app, clients = seed(env, pairs)
        for processes in args.processes:
            if "app" in only:
                results.append(measure("app (auth, PostgreSQL, presence)", "wsgi:app", env, clients, args, processes,
                                       False, app))
            if "relay" in only:
                results.append(measure("bare Flask-SocketIO relay", "bench.relay:app", env, clients, args, processes,
                                       True))
            if "persisting-relay" in only:
                results.append(measure("persisting relay (raw psycopg2)", "bench.relay:app",
                                       {**env, "RELAY_PERSIST": "1"}, clients, args, processes, True, app))
    finally:
        stop_all(services)
        shutil.rmtree(var_dir, ignore_errors=True)
    report = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                          "memory_gib": round(psutil.virtual_memory().total / 2**30, 1)},
              "args": vars(args), "results": results}
    print(json.dumps(report, indent=2))
    print(markdown(results))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))


def markdown(results):
    rows = ["| server | procs | load avg before | conns held | sent | persisted/s | delivered/s | p50 ms | p95 ms | p99 ms"
            " | errors | undelivered | server CPU s | server CPU ms/msg | net of idle | idle server CPU ms/s"
            " | Redis CPU s | Redis CPU ms/msg | net of idle | PostgreSQL CPU ms/msg | all CPU ms/msg | KiB/conn |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lat = r["latency_ms"]
        procs = r["processes"] if r["holding_clients"] == r["processes"] else f"{r['holding_clients']} of {r['processes']}"
        rows.append(f"| {r['server']} | {procs} | {r['load_average_before']} | {r['connections_held']} | "
                    f"{r['sent']} | {r['persisted_per_s']} | {r['delivered_per_s']} | {lat[50]} | {lat[95]} | "
                    f"{lat[99]} | {r['errors']} | "
                    f"{r['undelivered']} | {r['server_cpu_s']} | {r['server_cpu_ms_per_message']} | "
                    f"{r['server_cpu_ms_per_message_net_of_idle']} | {r['server_idle_cpu_ms_per_s']} | "
                    f"{r['redis_cpu_s']} | {r['redis_cpu_ms_per_message']} | {r['redis_cpu_ms_per_message_net_of_idle']} | "
                    f"{r['postgres_cpu_ms_per_message']} | {r['all_cpu_ms_per_message']} | {r['rss_per_connection_kib']} |")
    return "\n".join(rows)


if __name__ == "__main__":
    main()
