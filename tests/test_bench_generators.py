"""`bench.load --generators N` at a tiny size, so that the split load generator cannot rot: it runs
as its command does, on backing services of its own (it empties its database). It checks what the
run reports, never how fast it was."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_two_generators_hold_every_connection_and_deliver_every_message(tmp_path):
    env = {**os.environ, "DATABASE_URL": "", "REDIS_URL": ""}  # bench.load starts its own
    done = subprocess.run([sys.executable, "-m", "bench.load", "--connections", "12", "--rate", "12", "--duration", "1",
                           "--idle", "0.5", "--processes", "2", "--generators", "2", "--json", str(tmp_path / "report.json")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]

    results = json.loads((tmp_path / "report.json").read_text())["results"]
    assert [r["server"] for r in results] == ["app (auth, PostgreSQL, presence)", "bare Flask-SocketIO relay"]
    for result in results:
        assert result["connections_held"] == 12, result
        assert result["sent"] == result["delivered"] == 12 and result["errors"] == result["undelivered"] == 0, result
    assert results[0]["persisted"] == 12
