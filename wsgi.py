"""WSGI entry point. gevent monkey-patching must happen before anything else is imported."""
from gevent import monkey

monkey.patch_all()

import sys  # noqa: E402

from psycogreen.gevent import patch_psycopg  # noqa: E402

# Makes psycopg2 yield to other greenlets while it waits on PostgreSQL.
patch_psycopg()

from app import create_app  # noqa: E402
from app.config import SettingError  # noqa: E402

# Gunicorn's exit status for "the app cannot load": its master stops instead of restarting the worker.
APP_LOAD_ERROR = 4

try:
    app = create_app()
except SettingError as exc:
    print(f"configuration error: {exc}", file=sys.stderr, flush=True)
    sys.exit(APP_LOAD_ERROR)
