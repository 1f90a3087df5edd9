"""The benchmarks at tiny sizes, so that they cannot rot: each runs as its command does, in a
subprocess, on a database of its own on the test PostgreSQL and on the test Redis (its keys under
bench:). They check what a run reports, never how fast it was."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import scratch_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench_env(stack):
    """The environment of a benchmark command: its own database, the test Redis."""
    with scratch_database(stack["env"]["DATABASE_URL"], "messaging_bench_smoke") as url:
        yield {**os.environ, "DATABASE_URL": url, "REDIS_URL": stack["env"]["REDIS_URL"]}


@pytest.fixture
def run_bench(bench_env):
    """Run `python -m bench.<name> *args` and return what it printed; fails with its stderr if it fails."""

    def run(name, *args, timeout=120):
        done = subprocess.run([sys.executable, "-m", f"bench.{name}", *args], cwd=ROOT, env=bench_env,
                              capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"bench.{name} exited with {done.returncode}:\n{done.stderr[-3000:]}"
        return done.stdout

    return run
