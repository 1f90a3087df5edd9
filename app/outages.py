"""PostgreSQL and Redis outages as this process sees them: one log line when a dependency is lost,
one when it answers again (with how long it was gone), and `messaging_dependency_up` in between.

`lost()` is called wherever a failure shows (app/errors.py for requests and socket events, the
readiness checks, the jobs' signals, the message queue); from the first failure, a background
probe asks the dependency every PROBE_SECONDS until it answers.
"""
import logging
import threading
import time

from app import metrics

log = logging.getLogger(__name__)

PROBE_SECONDS = 1
_probes = {}  # dependency name -> a callable that raises while it is unreachable
_down_since = {}
_lock = threading.Lock()


def watch(name, probe):
    """Follow dependency `name`; `probe()` must raise while it is unreachable."""
    _probes[name] = probe
    metrics.DEPENDENCY_UP.labels(name).set(1)


def lost(name, exc):
    """A request, event or job failed because dependency `name` was unreachable (`exc`)."""
    metrics.DEPENDENCY_ERRORS.labels(name).inc()
    with _lock:
        if name in _down_since or name not in _probes:
            return
        _down_since[name] = time.monotonic()
    metrics.DEPENDENCY_UP.labels(name).set(0)
    log.warning("%s connection lost", name, extra={"dependency": name, "error": type(exc).__name__})
    threading.Thread(target=_wait_until_back, args=(name,), name=f"probe-{name}", daemon=True).start()


def _wait_until_back(name):
    while True:
        time.sleep(PROBE_SECONDS)
        try:
            _probes[name]()
        except Exception:
            continue
        with _lock:
            since = _down_since.pop(name)
        metrics.DEPENDENCY_UP.labels(name).set(1)
        log.info("%s connection recovered", name,
                 extra={"dependency": name, "down_s": round(time.monotonic() - since, 3)})
        return
