"""The benchmarks that split their clients over generator processes, at tiny sizes, so that they
cannot rot: each runs as its command does, on backing services of its own (a benchmark empties its
database). They check what a run reports, never how fast it was."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_bench(name, *args, report):
    """Run `python -m bench.<name> *args --json <report>` and return the report."""
    env = {**os.environ, "DATABASE_URL": "", "REDIS_URL": ""}  # the benchmark starts its own
    done = subprocess.run([sys.executable, "-m", f"bench.{name}", *args, "--json", str(report)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"bench.{name} exited with {done.returncode}:\n{done.stderr[-3000:]}"
    return json.loads(report.read_text())


def test_two_generators_hold_every_connection_and_deliver_every_message(tmp_path):
    results = run_bench("load", "--connections", "12", "--rate", "12", "--duration", "1", "--idle", "0.5",
                        "--processes", "2", "--generators", "2", report=tmp_path / "report.json")["results"]

    assert [r["server"] for r in results] == ["app (auth, PostgreSQL, presence)", "bare Flask-SocketIO relay"]
    for result in results:
        assert result["connections_held"] == 12, result
        assert result["sent"] == result["delivered"] == 12 and result["errors"] == result["undelivered"] == 0, result
    assert results[0]["persisted"] == 12


def test_storm_brings_every_dropped_client_back_with_nothing_lost(tmp_path):
    result = run_bench("storm", "--connections", "8", "--generators", "2", "--rate", "8", "--before", "1",
                       "--after", "0.5", report=tmp_path / "report.json")["result"]

    assert result["connections_held"] == 8 and result["dropped_clients"] == 4, result
    assert result["reconnected"] == result["caught_up"] == 4, result
    assert result["acked"] > 0 and result["lost"] == 0, result
