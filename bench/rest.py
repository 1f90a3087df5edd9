"""REST API benchmark: an open-loop mix of requests at a set rate against the ROLE=api process
shape, with the same SQL replayed straight into PostgreSQL in the same run as the floor.

    make bench BENCH=rest ARGS="--rate 200 --duration 60"

Uses DATABASE_URL / REDIS_URL if set, else embedded servers in a temporary directory; seeds a
chat history (bench/seed.py, --messages) unless --reuse finds one of that size, and starts a
ROLE=api Gunicorn server (gevent workers, WEB_CONCURRENCY or one per core). Requests arrive on a
fixed schedule whatever the server's pace (open loop: a slow answer does not delay the next
request, and each latency runs from the request's scheduled time), from users drawn at random,
in this mix:

- list conversations   GET /conversations                                  25 %
- page messages        GET /conversations/{id}/messages (newest, or before=) 40 %
- send                 POST /conversations/{id}/messages                   20 %
- mark read            PATCH /messages/{id}/read                           15 %

The floor: the same mix is first run in this process through the app with every SQL statement,
commit and rollback recorded per request, then those recordings are replayed at the same rate
through psycopg2 (one pool-ping SELECT 1 per request, as the app's pool does; fresh
client_message_ids). What the floor leaves out is ours: HTTP, Flask, JWT checks, marshmallow,
SQLAlchemy, Redis (the revocation check, the sending limit, presence for push, the emits).

Prints a JSON report and a Markdown table: per request kind, the count, errors, p50/p95/p99 for
the app and the floor, and the ratio; the server's CPU seconds (and per request, the warm-up's
included) and the load average. Beside the server's, the CPU per request of the other processes
each run loads (PostgreSQL, Redis, this process as the load generator: CpuMeter): on a machine
of 2 cores, the server is not all a request costs.
"""
from gevent import monkey

monkey.patch_all()

from psycogreen.gevent import patch_psycopg  # noqa: E402

patch_psycopg()

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections import defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import psutil  # noqa: E402
import urllib3  # noqa: E402
from gevent.queue import Queue  # noqa: E402

from bench.corpus import TextMaker  # noqa: E402
from bench.harness import (backing_services, conditions, load_average, migrated_app, milliseconds,  # noqa: E402
                           publish, start_server, stop_server)
from bench.seed import FIRST_GENERAL_USER, connect, query, seed  # noqa: E402
from devstack.keys import vapid_key_pair  # noqa: E402
from devstack.net import free_port  # noqa: E402

MIX = {"list conversations": 25, "page messages": 40, "send": 20, "mark read": 15}


class Workload:
    """Who asks for what: users with their conversations, and the requests they make."""

    def __init__(self, database_url, users, seed_value=1):
        self.rng = random.Random(seed_value)
        self.text = TextMaker(seed_value + 10)
        rows = query(database_url, """
            SELECT p.user_id, c.id, c.last_seq, m.id FROM conversation_participants p
            JOIN conversations c ON c.id = p.conversation_id
            JOIN messages m ON m.conversation_id = c.id AND m.seq = c.last_seq
            WHERE p.user_id >= %s AND p.user_id < %s""", (FIRST_GENERAL_USER, FIRST_GENERAL_USER + users))
        self.conversations = defaultdict(list)  # user id -> [(conversation id, last seq, last message id)]
        for user_id, conversation_id, last_seq, message_id in rows:
            self.conversations[user_id].append((conversation_id, last_seq, message_id))
        self.users = sorted(self.conversations)
        self.kinds = list(MIX)
        self.weights = list(MIX.values())

    def request(self):
        """(kind, user id, method, path, JSON body or None) of one request."""
        kind = self.rng.choices(self.kinds, self.weights)[0]
        user_id = self.rng.choice(self.users)
        conversation_id, last_seq, message_id = self.rng.choice(self.conversations[user_id])
        if kind == "list conversations":
            return kind, user_id, "GET", "/conversations?limit=20", None
        if kind == "page messages":
            before = f"&before={self.rng.randint(1, last_seq)}" if self.rng.random() < 0.3 else ""
            return kind, user_id, "GET", f"/conversations/{conversation_id}/messages?limit=50{before}", None
        if kind == "send":
            body = {"content": self.text.message()[1][:2000], "client_message_id": uuid.uuid4().hex}
            return kind, user_id, "POST", f"/conversations/{conversation_id}/messages", body
        return kind, user_id, "PATCH", f"/messages/{message_id}/read", None


class OpenLoop:
    """Fire `call(item)` for each item at `rate` per second, each in its own greenlet, and record
    (kind, latency from its scheduled time, ok) whatever the pace of the answers."""

    PATIENCE = 60  # seconds after the last request was due; requests unanswered by then are errors

    def __init__(self, rate, duration, warmup):
        self.rate, self.duration, self.warmup = rate, duration, warmup
        self.samples = []  # (kind, seconds, ok, error)

    def run(self, items, call):
        greenlets = []
        start = time.perf_counter() + 0.1
        total = int(self.rate * (self.warmup + self.duration))
        for i in range(total):
            due = start + i / self.rate
            delay = due - time.perf_counter()
            if delay > 0:
                gevent.sleep(delay)
            greenlets.append(gevent.spawn(self._timed, next(items), call, due, i >= self.rate * self.warmup))
        gevent.joinall(greenlets, timeout=self.PATIENCE)
        gevent.killall([g for g in greenlets if not g.dead])  # each counts as an error (_timed)
        return self.samples

    def _timed(self, item, call, due, counted):
        try:
            error = call(item)
        except gevent.GreenletExit:
            error = f"no answer {self.PATIENCE} s after the last request was due"
        except Exception as exc:  # noqa: BLE001 - counted and reported
            error = f"{type(exc).__name__}: {exc}"[:200]
        if counted:
            self.samples.append((item[0], time.perf_counter() - due, error is None, error))


def record_floor(app, workload, count):
    """Run `count` requests of the mix through the app in this process, recording per request its
    SQL statements, commits and rollbacks: [(kind, [("sql", statement, parameters) | ("commit",) |
    ("rollback",)])]."""
    from flask_jwt_extended import create_access_token
    from sqlalchemy import event

    from app.extensions import db

    recordings, current = [], []
    listeners = {
        "before_cursor_execute": lambda conn, cursor, statement, parameters, context, executemany:
            current.append(("sql", statement, parameters)),
        "commit": lambda conn: current.append(("commit",)),
        "rollback": lambda conn: current.append(("rollback",)),
    }
    with app.app_context():
        tokens = {uid: create_access_token(identity=str(uid)) for uid in workload.users}
        for name, listener in listeners.items():
            event.listen(db.engine, name, listener)
        try:
            client = app.test_client()
            for _ in range(count):
                kind, user_id, method, path, body = workload.request()
                current.clear()
                response = client.open(path, method=method, json=body,
                                       headers={"Authorization": f"Bearer {tokens[user_id]}"})
                if response.status_code >= 400:
                    raise RuntimeError(f"{method} {path}: {response.status_code} {response.get_data(as_text=True)[:300]}")
                recordings.append((kind, list(current)))
        finally:
            for name, listener in listeners.items():
                event.remove(db.engine, name, listener)
    return recordings


def replay(database_url, recordings, rate, duration, warmup, pool_size):
    """Replay the recordings at `rate` through psycopg2 connections (a pool of `pool_size`); returns
    the samples and the CPU seconds of each process (CpuMeter.seconds) over the replay."""
    pool = Queue()
    for _ in range(pool_size):
        pool.put(connect(database_url))
    meter = CpuMeter(None, database_url)

    def call(recording):
        _, steps = recording
        connection = pool.get()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")  # the app's pool pings each connection it hands out
                for step in steps:
                    if step[0] == "commit":
                        connection.commit()
                    elif step[0] == "rollback":
                        connection.rollback()
                    else:
                        _, statement, parameters = step
                        if isinstance(parameters, dict) and parameters.get("client_message_id"):
                            parameters = {**parameters, "client_message_id": uuid.uuid4().hex}
                        cursor.execute(statement, parameters)
            connection.rollback()  # end whatever the request left open, as the pool's reset does
        finally:
            pool.put(connection)

    try:
        samples = OpenLoop(rate, duration, warmup).run(_cycle(recordings), call)
        return samples, meter.seconds()  # before the pool's connections (backends) end
    finally:
        while not pool.empty():
            pool.get().close()


class CpuMeter:
    """User + system CPU seconds, from its creation on, of each process a run loads: the API
    workers (`workers`; None without), PostgreSQL (every process of the server at `database_url`:
    on this machine only, else None), Redis (the app's, from INFO; None without `app`) and this
    process, the load generator. On 2 shared cores the four add up to what a request costs the
    machine."""

    def __init__(self, app, database_url, workers=()):
        self.workers = list(workers)
        self.redis = app.extensions["redis"] if app is not None else None
        self.postmaster = _postmaster(database_url)
        self.generator = psutil.Process()
        self.start = self._now()

    def _now(self):
        return {"server": _cpu(self.workers) if self.workers else None, "postgres": self._postgres(),
                "redis": self._redis(), "load generator": _cpu([self.generator])}

    def _postgres(self):
        if self.postmaster is None:
            return None
        # Backends opened during the run count from 0; one that ended took its CPU time along.
        return {p.pid: _cpu([p]) for p in [self.postmaster, *self.postmaster.children()]}

    def _redis(self):
        if self.redis is None:
            return None
        info = self.redis.info("cpu")
        return info["used_cpu_user"] + info["used_cpu_sys"]

    def seconds(self):
        """{process: CPU seconds since the meter started (None where it cannot be read)}."""
        now, start = self._now(), self.start
        used = {name: (now[name] - start[name] if now[name] is not None else None)
                for name in ("server", "redis", "load generator")}
        used["postgres"] = (sum(cpu - start["postgres"].get(pid, 0.0) for pid, cpu in now["postgres"].items())
                            if now["postgres"] is not None else None)
        return used


def _cpu(processes):
    total = 0.0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            total += sum(process.cpu_times()[:2])
    return total


def _postmaster(database_url):
    """The PostgreSQL server's main process when it runs on this machine (a unix socket or
    localhost), else None: found as the parent of a backend of ours."""
    connection = connect(database_url)
    try:
        if connection.info.host not in ("localhost", "127.0.0.1", "::1") and not connection.info.host.startswith("/"):
            return None
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return psutil.Process(cursor.fetchone()[0]).parent()
    finally:
        connection.close()


def per_request(used, requests):
    """CPU ms per request of each process of CpuMeter.seconds()."""
    return {name: (round(1000 * seconds / requests, 2) if seconds is not None else None)
            for name, seconds in used.items()}


def _cycle(items):
    while True:
        yield from items


def drive_http(app, env, workload, args):
    """The mix at args.rate against a ROLE=api Gunicorn server; returns samples and server CPU."""
    from flask_jwt_extended import create_access_token

    with app.app_context():
        tokens = {uid: create_access_token(identity=str(uid)) for uid in workload.users}
    port = free_port()
    server = start_server("wsgi:app", env, port, "api")
    http = urllib3.HTTPConnectionPool("127.0.0.1", port, maxsize=args.connections, block=True,
                                      timeout=urllib3.Timeout(total=30), retries=False)

    def call(request):
        kind, user_id, method, path, body = request
        response = http.request(method, path, headers={"Authorization": f"Bearer {tokens[user_id]}",
                                                       "Content-Type": "application/json"},
                                body=json.dumps(body) if body is not None else None)
        if response.status >= 400:
            return f"{response.status} {response.data[:200]!r}"
        return None

    def requests_forever():
        while True:
            yield workload.request()

    try:
        workers = psutil.Process(server.pid).children()
        profilers = [_profile(worker.pid, args) for worker in workers] if args.py_spy else []
        meter = CpuMeter(app, env["DATABASE_URL"], workers)
        samples = OpenLoop(args.rate, args.duration, args.warmup).run(requests_forever(), call)
        used = meter.seconds()
        for profiler in profilers:
            profiler.wait(30)
        sent = int(args.rate * (args.warmup + args.duration))  # the warm-up's requests used the CPU too
        return samples, {"workers": len(workers), "cpu_s": round(used["server"], 1), "requests": sent,
                         "cpu_ms_per_request": round(1000 * used["server"] / sent, 2),
                         "cpu_ms_per_request_by_process": per_request(used, sent)}
    finally:
        http.close()
        stop_server(server)


def _profile(pid, args):
    """py-spy (requirements-bench.txt) sampling a worker while the load runs,
    to <args.py_spy>-<pid>.txt in its collapsed-stack format."""
    return subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pid),
                             "--duration", str(int(args.warmup + args.duration)), "--rate", "200", "--nonblocking",
                             "--format", "raw", "--output", f"{args.py_spy}-{pid}.txt"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summarize(samples):
    """{kind: {count, errors, error_samples, ms: {50, 95, 99}}}, plus "all"."""
    by_kind = defaultdict(list)
    for kind, seconds, ok, error in samples:
        by_kind[kind].append((seconds, ok, error))
        by_kind["all"].append((seconds, ok, error))
    return {kind: {"count": len(rows), "errors": sum(not ok for _, ok, _ in rows),
                   "error_samples": list(dict.fromkeys(e for _, ok, e in rows if not ok))[:3],
                   "ms": milliseconds([s for s, ok, _ in rows if ok])}
            for kind, rows in by_kind.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=200, help="requests per second")
    parser.add_argument("--duration", type=float, default=60, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=5, help="seconds at the rate before measuring")
    parser.add_argument("--messages", type=int, default=200_000, help="messages to seed (users: one per 100)")
    parser.add_argument("--users", type=int, default=1000, help="users making the requests")
    parser.add_argument("--connections", type=int, default=100, help="keep-alive connections to the server")
    parser.add_argument("--floor-pool", type=int, default=20, help="psycopg2 connections replaying the floor")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the database's seed if it has --messages messages (DATABASE_URL set)")
    parser.add_argument("--json", help="also write the report to this file")
    parser.add_argument("--py-spy", metavar="PREFIX", help="profile each server worker with py-spy into PREFIX-<pid>.txt")
    args = parser.parse_args()

    _, vapid = vapid_key_pair()  # production pushes: each send looks up who to notify
    with backing_services("messaging_bench", JWT_ACCESS_TOKEN_MINUTES="240", **vapid) as env:
        app = migrated_app(env)
        database_url = env["DATABASE_URL"]
        if not (args.reuse and query(database_url, "SELECT count(*) FROM messages")[0][0] == args.messages):
            seed(database_url, args.messages, progress=lambda line: print(line, file=sys.stderr, flush=True))
        workload = Workload(database_url, args.users)
        report = {"conditions": conditions(database_url, app.extensions["redis"]), "args": vars(args),
                  "mix_percent": MIX}
        recordings = record_floor(app, workload, count=int(args.rate * 10))
        report["load_average_before_app"] = load_average()
        samples, server = drive_http(app, env, workload, args)
        report["server"] = server
        report["app"] = summarize(samples)
        report["load_average_before_floor"] = load_average()
        floor_samples, floor_cpu = replay(database_url, recordings, args.rate, args.duration, args.warmup,
                                          args.floor_pool)
        report["floor"] = summarize(floor_samples)
        report["floor_cpu_ms_per_request_by_process"] = per_request(floor_cpu, int(args.rate * (args.warmup +
                                                                                                 args.duration)))
    publish(report, markdown(report), args.json)


def markdown(report):
    lines = ["| request | count | errors | ours p50 / p95 / p99 ms | PostgreSQL floor p50 / p95 / p99 ms"
             " | ours : floor (p95) |", "|---|---|---|---|---|---|"]
    for kind in [*MIX, "all"]:
        ours, floor = report["app"].get(kind), report["floor"].get(kind)
        if not ours or not floor:
            continue
        ratio = round(ours["ms"][95] / floor["ms"][95], 1) if ours["ms"][95] and floor["ms"][95] else None
        lines.append(f"| {kind} | {ours['count']} | {ours['errors']} | {ours['ms'][50]} / {ours['ms'][95]} / "
                     f"{ours['ms'][99]} | {floor['ms'][50]} / {floor['ms'][95]} / {floor['ms'][99]} | {ratio} |")
    server = report["server"]
    lines.append(f"\nServer CPU: {server['cpu_s']} s for {server['requests']} requests, "
                 f"{server['cpu_ms_per_request']} ms per request ({server['workers']} workers).")
    for label, by_process in (("ours", server["cpu_ms_per_request_by_process"]),
                              ("floor", report["floor_cpu_ms_per_request_by_process"])):
        lines.append(f"CPU ms per request, {label}: " + ", ".join(
            f"{name} {ms}" for name, ms in by_process.items() if ms is not None) + ".")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
