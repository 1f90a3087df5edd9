"""The long-lived processes of `make run`, started together and stopped together.

When one of them dies on its own (a crash, an OOM kill, `kill -9`), the others are stopped too and
one line on stderr says which one died and how: a half-running stack (an API whose job consumer is
gone) would look healthy while jobs and push notifications silently pile up. Restarting it instead
would hide a crash that a developer wants to see.
"""
import signal
import subprocess
import sys
import time

POLL_SECONDS = 0.2
STOP_TIMEOUT_SECONDS = 15


def how_it_ended(returncode):
    """"exited with code 3" or "was killed by SIGKILL" (Popen gives -N for death by signal N)."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed by {name}"
    return f"exited with code {returncode}"


def run(commands, env, on_exit=lambda: None, cwd=None):
    """Run the named commands ({name: argv}) until one exits or we get SIGINT/SIGTERM; then stop the
    others, call `on_exit` and return an exit status (0 after a requested stop)."""
    children = {name: subprocess.Popen(argv, env=env, cwd=cwd) for name, argv in commands.items()}
    stopping = False

    def request_stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    died = None
    try:
        while not stopping:
            time.sleep(POLL_SECONDS)
            # Checked first: Ctrl-C reaches the children too, and their exit then is no news.
            if stopping:
                break
            died = next((name for name, child in children.items() if child.poll() is not None), None)
            if died is not None:
                child = children[died]
                print(f"make run: the {died} (pid {child.pid}) {how_it_ended(child.returncode)}; "
                      f"stopping everything", file=sys.stderr, flush=True)
                break
    finally:
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        for child in children.values():
            try:
                child.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        on_exit()
    if died is None:
        return 0
    return children[died].returncode if children[died].returncode > 0 else 1
