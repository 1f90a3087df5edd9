"""WSGI entry point. gevent monkey-patching must happen before anything else is imported."""
from gevent import monkey

monkey.patch_all()

from psycogreen.gevent import patch_psycopg  # noqa: E402

# Makes psycopg2 yield to other greenlets while it waits on PostgreSQL.
patch_psycopg()

from app import create_app  # noqa: E402

app = create_app()
