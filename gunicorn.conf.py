"""Gunicorn settings. ROLE picks the process shape:

- api:  the REST API, several gevent workers.
- dev:  what `make run` starts: one process serving everything on port 3000.
"""
import multiprocessing
import os

role = os.environ.get("ROLE", "api")
bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '3000')}")
worker_class = "gevent"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() if role == "api" else 1))
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", 1000))
graceful_timeout = 20
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Authorization headers never reach the access log: the default format logs no headers.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(L)ss'
