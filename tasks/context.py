"""The Flask app a task runs in: one per consumer process, created on first use.

In the API process (enqueueing, or immediate mode in unit tests) a task body simply uses the
app context that is already there.
"""
import contextlib
import functools
import threading

from flask import current_app, has_app_context

_app = None
_app_lock = threading.Lock()


def flask_app():
    """The current app, or this process's own app, created the first time it is asked for."""
    global _app
    if has_app_context():
        return current_app._get_current_object()
    with _app_lock:
        if _app is None:
            # Here, not at the top: create_app imports this package (a cycle).
            from app import create_app

            _app = create_app()
        return _app


@contextlib.contextmanager
def app_context():
    """Run inside an app context; push one (and so get a fresh DB session) only if none is active."""
    if has_app_context():
        yield current_app._get_current_object()
        return
    app = flask_app()
    with app.app_context():
        yield app


def in_app_context(fn):
    """Wrap a task body so it runs with the app context (the Huey decorator goes outside this)."""
    @functools.wraps(fn)
    def inner(*args, **kwargs):
        with app_context():
            return fn(*args, **kwargs)
    return inner
