"""Reconnect storm: restart a realtime process under its connected clients, as a rolling restart does.

    make bench BENCH=storm ARGS="--connections 10000 --generators 4 --rate 10"

Two realtime processes; users in pairs sharing a direct conversation, the sender of each pair on
process 0 and the recipient on process 1. Messages flow at --rate (senders on process 0) for
--before seconds; then process 1 is stopped (SIGTERM: it leaves as app/realtime/shutdown.py says;
--kill: SIGKILL) and started again on the same port. Its clients (python-socketio) reconnect with
python-socketio's backoff, each attempt waiting --client-wait seconds for the connect to complete.
Each recipient follows docs/websocket.md ("Replaying what you missed"): on every reconnect, and
whenever a live event skips an event_seq, it replays `GET /conversations/:id/events?after=<the
last event_seq it applied>` (from process 0) until `has_more` is false. Messages keep flowing
throughout and for --after seconds once all are back.

Reports: seconds from the stop until every client of process 1 is connected again and until every
one has caught up (p50/p95/max over the clients too), messages acknowledged to their senders that
their recipient never applied, live or replayed after its own gap handling (lost, must be 0), how
many replays a gap in live events started, the new process's worker CPU
from its start until all were back, per reconnected client (the connect path's cost), and the
same for the first connect of all clients. The clients run in --generators child processes
(bench/generators.py). With --profile DIR, py-spy (requirements-bench.txt) samples the new worker through the storm.
"""
from gevent import monkey

monkey.patch_all()

from psycogreen.gevent import patch_psycopg  # noqa: E402

patch_psycopg()

import argparse  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import psutil  # noqa: E402
import requests  # noqa: E402
import socketio  # noqa: E402
from gevent.lock import Semaphore  # noqa: E402
from gevent.pool import Pool  # noqa: E402

from app.rooms import NAMESPACE  # noqa: E402
from bench.generators import Channel, Children, raise_open_files_limit, share  # noqa: E402
from bench.harness import backing_services, percentile, stop_server  # noqa: E402
from bench.load import seed, start_servers, worker_cpu, workers  # noqa: E402
from devstack.net import free_port  # noqa: E402


class Pair:
    """One conversation: its sender on process 0, its recipient on process 1, and what each saw.

    The recipient is a client as docs/websocket.md ("Replaying what you missed") says one must be:
    it keeps the last event_seq it applied (`applied`; the conversation is new, so 0 at first),
    and on every reconnect, and whenever a live event's event_seq is more than one past it (it
    missed one), it replays `GET /conversations/:id/events?after=<applied>` until `has_more` is
    false; live events that arrive meanwhile, or past a gap, wait in `pending` until they are next.
    A message is received once it is applied, live or replayed."""

    def __init__(self, sender, recipient, rest_url, client_wait):
        (self.sender_token, self.conversation_id, _), (self.recipient_token, _, _) = sender, recipient
        self.rest_url, self.client_wait = rest_url, client_wait
        self.closing = False
        self.sender = self.recipient = None
        self.acked, self.received = set(), set()  # seqs
        self.applied, self.pending = 0, {}  # event_seq applied last; live events waiting: event_seq -> seq
        self.replay = Semaphore()  # one replay at a time
        self.connects = 0
        self.back_at = self.caught_up_at = None
        self.catch_up_errors = self.gaps = 0

    def connect(self, urls):
        self.sender = socketio.Client(reconnection=False)
        self.sender.connect(urls[0], auth={"token": self.sender_token}, namespaces=[NAMESPACE],
                            transports=["websocket"], wait_timeout=30)
        self.recipient = socketio.Client(reconnection=False)
        self.recipient.on("message_received", self._live, namespace=NAMESPACE)
        self.recipient.on("connect", self._connected, namespace=NAMESPACE)
        self.recipient.on("disconnect", lambda *reason: self.closing or gevent.spawn(self._reconnect, urls[1]),
                          namespace=NAMESPACE)
        self.recipient.connect(urls[1], auth={"token": self.recipient_token}, namespaces=[NAMESPACE],
                               transports=["websocket"], wait_timeout=30)

    def _reconnect(self, url):
        """Reconnect as Socket.IO clients do: python-socketio's backoff (1, 2, 4, 5, 5 ... s, +-50 %),
        each attempt waiting --client-wait seconds for the connect to complete (python-socketio's
        own reconnection waits 1 s, socket.io's browser client 20 s).

        An attempt fails with ConnectionError, or with ValueError when the server closes the
        WebSocket right after its handshake: a process that is leaving still accepts connections
        until Gunicorn closes its listener, and gevent-websocket completes the handshake before
        the app can refuse the session (engineio: "Invalid empty packet received"). python-socketio's
        own reconnection catches both alike."""
        for attempt in itertools.count():
            gevent.sleep(min(2 ** attempt, 5) * random.uniform(0.5, 1.5))
            try:
                self.recipient.connect(url, auth={"token": self.recipient_token}, namespaces=[NAMESPACE],
                                       transports=["websocket"], wait_timeout=self.client_wait)
                return
            except (socketio.exceptions.ConnectionError, ValueError):
                continue

    def _connected(self):
        self.connects += 1
        if self.connects > 1:  # a reconnect: replay what was missed meanwhile
            self.back_at = time.time()
            gevent.spawn(self._catch_up)

    def _live(self, data):
        if data["event_seq"] <= self.applied:
            return  # applied already (replayed)
        self.pending[data["event_seq"]] = data["message"]["seq"]
        self._apply_pending()
        if self.pending and not self.replay.locked():  # an event_seq was skipped: replay from the last applied
            self.gaps += 1
            gevent.spawn(self._replay)

    def _apply_pending(self):
        while self.applied + 1 in self.pending:
            self.applied += 1
            self.received.add(self.pending.pop(self.applied))
        for event_seq in [e for e in self.pending if e <= self.applied]:
            del self.pending[event_seq]

    def _catch_up(self):
        self._replay()
        self.caught_up_at = time.time()

    def _replay(self):
        with self.replay:
            while True:
                try:
                    page = requests.get(f"{self.rest_url}/conversations/{self.conversation_id}/events",
                                        params={"after": self.applied, "limit": 500}, timeout=60,
                                        headers={"Authorization": f"Bearer {self.recipient_token}"})
                    page.raise_for_status()
                except requests.RequestException:
                    self.catch_up_errors += 1
                    gevent.sleep(1)
                    continue
                body = page.json()
                for item in body["items"]:
                    if item["event_seq"] == self.applied + 1:
                        self.applied += 1
                        if item["type"] == "message_received":
                            self.received.add(item["payload"]["message"]["seq"])
                self._apply_pending()
                if not body["has_more"]:
                    if not self.pending:
                        break
                    gevent.sleep(0.2)  # live events past a gap that opened meanwhile: another round

    def send(self, number):
        """Send message `number` from the sender; its seq is kept once acknowledged."""
        def acked(ack=None):
            if isinstance(ack, dict) and ack.get("ok"):
                self.acked.add(ack["data"]["message"]["seq"])

        self.sender.emit("send_message", {"conversation_id": self.conversation_id, "content": f"storm {number}",
                                          "client_message_id": f"storm-{number}"},
                         namespace=NAMESPACE, callback=acked)


class StormGenerator:
    """A child's share of the pairs: connect, send at a rate until told to stop, report."""

    def __init__(self, spec):
        clients = [tuple(client) for client in spec["clients"]]
        self.urls = spec["urls"]
        self.pairs = [Pair(clients[i], clients[i + 1], self.urls[0], spec["client_wait"])
                      for i in range(0, len(clients), 2)]
        self.sending = None
        self.send_errors = 0

    def connect_all(self, concurrency=50):
        def connect(pair):
            try:
                pair.connect(self.urls)
            except Exception:  # noqa: BLE001 - counted: the pair is left out
                pair.sender = pair.recipient = None
        Pool(concurrency).map(connect, self.pairs)
        return sum(2 for pair in self.pairs if pair.sender and pair.recipient)

    def start_sending(self, rate):
        def loop():
            start, number = time.perf_counter(), 0
            while True:
                gevent.sleep(max(0, start + number / rate - time.perf_counter()))
                pair = self.pairs[number % len(self.pairs)]
                try:
                    pair.send(number)
                except Exception:  # noqa: BLE001 - a sender that is not connected
                    self.send_errors += 1
                number += 1
        self.sending = gevent.spawn(loop)

    def status(self):
        connected = [pair for pair in self.pairs if pair.recipient]
        return {"back": sum(1 for pair in connected if pair.back_at and pair.recipient.connected),
                "caught_up": sum(1 for pair in connected if pair.caught_up_at), "clients": len(connected)}

    def report(self, drain):
        """Counts and times, once every acknowledged message has reached its recipient (live or
        caught up) or `drain` seconds have passed: what is still missing then is lost."""
        connected = [pair for pair in self.pairs if pair.recipient]
        deadline = time.monotonic() + drain
        while any(pair.acked - pair.received for pair in connected) and time.monotonic() < deadline:
            gevent.sleep(0.2)
        return {"back_at": [pair.back_at for pair in connected], "caught_up_at": [pair.caught_up_at for pair in connected],
                "acked": sum(len(pair.acked) for pair in connected),
                "lost": sum(len(pair.acked - pair.received) for pair in connected),
                "catch_up_errors": sum(pair.catch_up_errors for pair in connected),
                "gaps": sum(pair.gaps for pair in connected), "send_errors": self.send_errors}

    def close(self, concurrency=100):
        def close(pair):
            pair.closing = True
            for client in (pair.sender, pair.recipient):
                if client:
                    client.disconnect()
        Pool(concurrency).map(close, self.pairs)


def serve():
    """A child process: a StormGenerator stepped by the parent's commands."""
    raise_open_files_limit()
    channel = Channel()
    generator = StormGenerator(channel.read())
    channel.reply({"held": generator.connect_all()})
    while True:
        command = channel.read()
        if "rate" in command:
            generator.start_sending(command["rate"])
            channel.reply({})
        elif "status" in command:
            channel.reply(generator.status())
        elif "stop" in command:
            generator.sending.kill()
            channel.reply({})
        elif "report" in command:
            channel.reply(generator.report(command["report"]))
        else:
            generator.close()
            channel.reply({})
            return


def storm(env, clients, args):
    ports = [free_port(), free_port()]
    servers = start_servers("wsgi:app", env, ports)
    children = Children("bench.storm", args.generators)
    profiler = None
    try:
        cpu_before = worker_cpu(servers)
        started = time.perf_counter()
        held = sum(reply["held"] for reply in children.ask(
            [{"urls": [f"http://127.0.0.1:{port}" for port in ports], "clients": share(clients, index, args.generators),
              "client_wait": args.client_wait}
             for index in range(args.generators)]))
        connect_seconds = time.perf_counter() - started
        gevent.sleep(2)  # connect-time work (presence fan-out) settles
        first_connect_cpu = worker_cpu(servers) - cpu_before
        load_before = os.getloadavg()
        children.ask({"rate": args.rate / args.generators})
        gevent.sleep(args.before)

        stopped_at = time.time()
        if args.kill:
            os.killpg(servers[1].pid, signal.SIGKILL)
            servers[1].wait()
        else:
            stop_server(servers[1])
        exited_at = time.time()
        servers[1:] = start_servers("wsgi:app", env, ports[1:])
        ready_at = time.time()
        new_worker = workers(servers[1:])[0]
        new_cpu_before = sum(new_worker.cpu_times()[:2])
        survivor_cpu_before = worker_cpu(servers[:1])
        if args.profile:
            Path(args.profile).mkdir(parents=True, exist_ok=True)
            profiler = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "--nonblocking",
                                         "--format", "raw", "--duration", "30", "--pid", str(new_worker.pid),
                                         "--output", str(Path(args.profile) / "storm.txt")], stdout=subprocess.DEVNULL)
        deadline = time.time() + args.timeout
        all_back_at = None
        while time.time() < deadline:
            statuses = children.ask({"status": True})
            back, caught_up, expected = (sum(s[key] for s in statuses) for key in ("back", "caught_up", "clients"))
            if back == expected and all_back_at is None:
                all_back_at = time.time()
                new_cpu = sum(new_worker.cpu_times()[:2]) - new_cpu_before
                survivor_cpu = worker_cpu(servers[:1]) - survivor_cpu_before
            if back == expected and caught_up == expected:
                break
            gevent.sleep(0.5)
        if all_back_at is None:
            new_cpu = sum(new_worker.cpu_times()[:2]) - new_cpu_before
            survivor_cpu = worker_cpu(servers[:1]) - survivor_cpu_before
        gevent.sleep(args.after)
        children.ask({"stop": True})
        reports = children.ask({"report": args.drain})
        children.ask({"close": True})
        children.wait()
        if profiler:
            profiler.wait()
        back_at = [t for r in reports for t in r["back_at"]]
        caught_up_at = [t for r in reports for t in r["caught_up_at"]]
        reconnected = sum(1 for t in back_at if t)
        since_stop = sorted(t - stopped_at for t in back_at if t)
        caught_since_stop = sorted(t - stopped_at for t in caught_up_at if t)
        return {
            "connections_requested": len(clients), "connections_held": held, "first_connect_s": round(connect_seconds, 1),
            "first_connect_server_cpu_ms_per_client": round(first_connect_cpu / max(held, 1) * 1000, 2),
            "load_average_before": [round(x, 2) for x in load_before], "stop": "SIGKILL" if args.kill else "SIGTERM",
            "dropped_clients": len(back_at), "reconnected": reconnected, "caught_up": sum(1 for t in caught_up_at if t),
            "old_process_exited_after_s": round(exited_at - stopped_at, 1),
            "new_process_ready_after_s": round(ready_at - stopped_at, 1),
            "all_back_after_s": round(all_back_at - stopped_at, 1) if all_back_at else None,
            "back_after_s": {p: round(percentile(since_stop, p), 1) if since_stop else None for p in (50, 95, 100)},
            "caught_up_after_s": {p: round(percentile(caught_since_stop, p), 1) if caught_since_stop else None
                                  for p in (50, 95, 100)},
            "acked": sum(r["acked"] for r in reports), "lost": sum(r["lost"] for r in reports),
            "catch_up_errors": sum(r["catch_up_errors"] for r in reports),
            "live_gaps_replayed": sum(r["gaps"] for r in reports),
            "sends_skipped": sum(r["send_errors"] for r in reports),
            "new_worker_cpu_s_until_all_back": round(new_cpu, 2),
            "new_worker_cpu_ms_per_reconnect": round(new_cpu / max(reconnected, 1) * 1000, 2),
            "surviving_worker_cpu_s_meanwhile": round(survivor_cpu, 2),
        }
    finally:
        for child in children.processes:
            if child.poll() is None:
                child.kill()
        for server in servers:
            stop_server(server)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=10000, help="even number of clients (pairs)")
    parser.add_argument("--generators", type=int, default=4, help="load generator processes sharing the clients")
    parser.add_argument("--rate", type=float, default=10, help="messages per second throughout")
    parser.add_argument("--before", type=float, default=5, help="seconds of sending before the restart")
    parser.add_argument("--after", type=float, default=5, help="seconds of sending once all are back")
    parser.add_argument("--drain", type=float, default=30,
                        help="seconds to wait at most for late deliveries (what is missing then is lost)")
    parser.add_argument("--timeout", type=float, default=180, help="seconds to wait for every client to be back")
    parser.add_argument("--client-wait", type=float, default=20,
                        help="seconds a reconnecting client waits for its connect to complete before retrying"
                             " (socket.io's browser client: 20; python-socketio's own reconnection: 1)")
    parser.add_argument("--kill", action="store_true", help="SIGKILL the process instead of SIGTERM")
    parser.add_argument("--json", help="also write the report to this file")
    parser.add_argument("--profile", help="profile the new worker with py-spy (30 s) into this directory")
    args = parser.parse_args()
    raise_open_files_limit()
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))

    with backing_services("messaging_bench", SEND_RATE_LIMIT=str(10**9), JWT_ACCESS_TOKEN_MINUTES="240",
                          RATELIMIT_ENABLED="false") as env:
        _, clients = seed(env, args.connections // 2)
        result = storm(env, clients, args)
    report = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                          "memory_gib": round(psutil.virtual_memory().total / 2**30, 1)},
              "args": vars(args), "result": result}
    print(json.dumps(report, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    serve() if sys.argv[1:] == ["--generator"] else main()
