"""The one format of every log line the service's processes write: Gunicorn's master and workers,
the app, the Socket.IO layer, the Huey consumer and Alembic.

LOG_FORMAT=json (the default): one JSON object per line, for log aggregation
    {"time": "...", "level": "INFO", "logger": "app.requests", "message": "http request",
     "role": "api", "pid": 12, "request_id": "...", "route": "...", "status": 201, ...}
LOG_FORMAT=text (`make run`): the same fields on one readable line
    2026-11-25 10:00:00,000 INFO app.requests: http request request_id=... route=... status=201

Fields come from the record's `extra` and from the context bound with `bind()` for the current
request, Socket.IO event or job (request_id; connection_id and user_id; job_id and task): every line
logged while it runs carries them. Nothing private goes into a field: no message text, search
terms, tokens, passwords or push keys.

This module imports nothing of the app: Gunicorn's master loads it (gunicorn.conf.py) before any
worker has monkey-patched the standard library.
"""
import contextvars
import logging
import logging.config
import os

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

FORMATS = ("json", "text")
_context = contextvars.ContextVar("log_context", default={})
# LogRecord attributes that are not fields of ours (taskName: Python 3.12+).
_RECORD_ATTRS = frozenset(RESERVED_ATTRS) | {"taskName", "role", "color_message"}


def bind(**fields):
    """Add `fields` to every line logged from here on in this greenlet or thread; returns the token
    for `unbind`. Each greenlet and thread starts with no fields."""
    return _context.set({**_context.get(), **fields})


def unbind(token):
    """Back to the fields bound before `bind` returned `token`."""
    _context.reset(token)


def bound(name):
    """The value of context field `name`, or None."""
    return _context.get().get(name)


class ContextFields(logging.Filter):
    """Copies the bound context and the process role onto each record (a record's own extra wins)."""

    def __init__(self, role):
        super().__init__()
        self.role = role

    def filter(self, record):
        record.role = self.role
        for name, value in _context.get().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


def _extra_fields(record):
    return {name: value for name, value in record.__dict__.items()
            if name not in _RECORD_ATTRS and not name.startswith("_")}


class JsonLines(JsonFormatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, role, pid, fields."""

    def __init__(self):
        super().__init__("%(levelname)s %(name)s %(message)s %(role)s %(process)d",
                         rename_fields={"levelname": "level", "name": "logger", "process": "pid"},
                         timestamp="time", reserved_attrs=sorted(_RECORD_ATTRS))

    def process_log_record(self, log_data):
        return {"time": log_data.pop("time"), **log_data}  # first, where a reader looks for it


class TextLines(logging.Formatter):
    """One readable line: time, level, logger, message, then the fields as name=value."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record):
        fields = " ".join(f"{name}={value}" for name, value in _extra_fields(record).items())
        line = super().formatMessage(record)
        return f"{line} {fields}" if fields else line


def logging_config(log_format, level, role):
    """A logging.config.dictConfig mapping: every logger's lines go, through the root logger, to
    stderr in `log_format`. Gunicorn takes it as `logconfig_dict`; other processes call configure()."""
    if log_format not in FORMATS:
        raise ValueError(f"LOG_FORMAT={log_format!r}: must be json or text")
    own_handler = {"handlers": [], "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": ContextFields, "role": role}},
        "formatters": {"lines": {"()": JsonLines if log_format == "json" else TextLines}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                                "formatter": "lines", "filters": ["context"]}},
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            # Gunicorn gives this one a handler of its own: through the root logger instead.
            "gunicorn.error": {"level": level, **own_handler},
            # Off: the app logs each request, with its route and request id and without the query
            # string (app/request_observer.py). Gunicorn logs access lines with any logconfig_dict.
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
            # python-socketio and python-engineio add a bare handler of their own to a logger
            # without a level: given one, they log through the root logger, errors only.
            "socketio.server": {"level": "ERROR", **own_handler},
            "engineio.server": {"level": "ERROR", **own_handler},
            # Alembic says which plugins it loads in every process that imports it.
            "alembic.runtime.plugins": {"level": "WARNING", **own_handler},
        },
    }


def configure(log_format=None, level=None, role=None):
    """Configure this process's logging (LOG_FORMAT, LOG_LEVEL and ROLE from the environment by default)."""
    logging.config.dictConfig(logging_config(
        (log_format or os.environ.get("LOG_FORMAT") or "json").strip().lower(),
        (level or os.environ.get("LOG_LEVEL") or "INFO").strip().upper(),
        role or os.environ.get("ROLE") or "app"))
