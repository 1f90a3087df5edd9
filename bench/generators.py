"""The load generator split over several processes (`bench.load --generators N`).

One process cannot open more sockets than its file-descriptor limit (20,000 hard here), and one
gevent loop is one core. With N generators, the parent process (bench.load) starts N children
(`python -m bench.generators --generator`), gives each a share of the pairs (both members of a
pair in the same child, so that a latency is read on one clock), and steps them together:
connect, send (each at rate / N), drain, report, close. Each child reports its counts and raw latencies; the parent
merges them. Parent and child talk in JSON lines over the child's stdin and stdout.
"""
from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from gevent.fileobject import FileObjectPosix  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def raise_open_files_limit():
    """Lift this process's soft RLIMIT_NOFILE to its hard limit (each client holds one socket)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def share(clients, index, count):
    """The clients of every count-th pair, from pair `index` on (clients come in pairs)."""
    return [client for pair in range(index, len(clients) // 2, count) for client in clients[2 * pair:2 * pair + 2]]


class Children:
    """N child processes running `python -m <module> --generator`, stepped together by JSON lines."""

    def __init__(self, module, count):
        self.processes = [subprocess.Popen([sys.executable, "-m", module, "--generator"], cwd=ROOT,
                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                          for _ in range(count)]

    def ask(self, messages):
        """Send one message to each child (the same one, or one each), and return their replies."""
        if isinstance(messages, dict):
            messages = [messages] * len(self.processes)
        for child, message in zip(self.processes, messages):
            child.stdin.write(json.dumps(message) + "\n")
            child.stdin.flush()
        replies = []
        for child in self.processes:
            line = child.stdout.readline()
            if not line:
                raise RuntimeError(f"load generator {child.pid} exited (code {child.wait()})")
            replies.append(json.loads(line))
        return replies

    def wait(self):
        for child in self.processes:
            child.wait(30)


class Channel:
    """A child's side: the parent's commands on stdin (read cooperatively, so that the clients keep
    answering pings meanwhile), replies on stdout (which nothing else may write to)."""

    def __init__(self):
        self.commands = FileObjectPosix(sys.stdin.fileno(), "r")
        self.replies = sys.stdout
        sys.stdout = sys.stderr

    def read(self):
        return json.loads(self.commands.readline())

    def reply(self, message):
        self.replies.write(json.dumps(message) + "\n")
        self.replies.flush()


class SplitRun:
    """The interface of bench.load.Run, over `count` child processes."""

    def __init__(self, urls, clients, relay, count):
        self.children = Children("bench.generators", count)
        self.shares = [share(clients, index, count) for index in range(count)]
        self.urls, self.relay = urls, relay
        self.latencies, self.error_samples = [], []
        self.acked_ok = self.errors = self.delivered = self.undelivered = 0

    def connect_all(self):
        replies = self.children.ask([{"urls": self.urls, "clients": clients, "relay": self.relay} for clients in self.shares])
        return sum(reply["held"] for reply in replies)

    def send(self, rate, duration):
        replies = self.children.ask({"rate": rate / len(self.children.processes), "duration": duration})
        return max(reply["elapsed"] for reply in replies), sum(reply["sent"] for reply in replies)

    def drain(self, expected, timeout):
        for reply in self.children.ask({"drain": timeout}):
            self.latencies += reply["latencies"]
            self.error_samples = (self.error_samples + reply["error_samples"])[:5]
            for key in ("acked_ok", "errors", "delivered", "undelivered"):
                setattr(self, key, getattr(self, key) + reply[key])

    def close(self):
        self.children.ask({"close": True})
        self.children.wait()


def serve():
    """A child: one Run over the clients the parent gives, stepped by the parent's messages."""
    from bench.load import Run  # here, not at the top: bench.load imports this module

    raise_open_files_limit()
    channel = Channel()
    spec = channel.read()
    run = Run(spec["urls"], [tuple(client) for client in spec["clients"]], spec["relay"])
    channel.reply({"held": run.connect_all()})
    command = channel.read()
    elapsed, sent = run.send(command["rate"], command["duration"])
    channel.reply({"elapsed": elapsed, "sent": sent})
    run.drain(sent, channel.read()["drain"])
    channel.reply({"latencies": run.latencies, "acked_ok": run.acked_ok, "errors": run.errors,
                   "error_samples": run.error_samples, "delivered": run.delivered, "undelivered": run.undelivered})
    channel.read()
    run.close()
    channel.reply({"closed": True})


if __name__ == "__main__" and sys.argv[1:] == ["--generator"]:
    serve()
