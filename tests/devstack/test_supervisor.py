"""make run's supervisor with real child processes: one dying stops the others, with one line saying which."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil

SUPERVISE = textwrap.dedent("""
    import sys
    from devstack.supervisor import run

    def sleeper(name):
        return [sys.executable, "-c", "import time; time.sleep(120)", name]

    print("exit", run({"Gunicorn server": sleeper("gunicorn"), "Huey consumer": sleeper("consumer")}, env=None),
          flush=True)
""")


def children_of(pid):
    """{name: pid} of the supervisor's children (the name is each sleeper's last argument)."""
    return {child.cmdline()[-1]: child.pid for child in psutil.Process(pid).children()}


def started_supervisor():
    supervisor = subprocess.Popen([sys.executable, "-c", SUPERVISE], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    deadline = time.monotonic() + 30
    while len(children_of(supervisor.pid)) < 2:
        assert time.monotonic() < deadline, "the supervisor did not start its children"
        time.sleep(0.05)
    return supervisor


def test_a_child_killed_with_sigkill_stops_the_others_with_one_line_naming_it():
    supervisor = started_supervisor()
    children = children_of(supervisor.pid)
    gunicorn, consumer = children["gunicorn"], children["consumer"]

    os.kill(consumer, signal.SIGKILL)
    out, err = supervisor.communicate(timeout=30)

    assert err.splitlines() == [f"make run: the Huey consumer (pid {consumer}) was killed by SIGKILL; stopping everything"]
    assert out.strip() == "exit 1"
    assert not os.path.exists(f"/proc/{gunicorn}")  # stopped and reaped


def test_ctrl_c_stops_everything_quietly():
    supervisor = started_supervisor()
    children = children_of(supervisor.pid)

    supervisor.send_signal(signal.SIGINT)
    out, err = supervisor.communicate(timeout=30)

    assert err == ""
    assert out.strip() == "exit 0"
    assert not any(os.path.exists(f"/proc/{pid}") for pid in children.values())
