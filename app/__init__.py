"""The application factory."""
import functools
import logging

from flask import Flask
from gevent import monkey
from sqlalchemy import text
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix

import log_format
from app import (api, database_checkout, database_observer, metrics_endpoint, outages, realtime, redis_client,
                 security_headers, web)
from app import config as settings
from app import models  # noqa: F401  (tables must be known to Flask-Migrate)
from app.api.openapi import openapi
from app.api.parser import JsonProvider
from app.auth import tokens
from app.cli import redis_cli, users_cli
from app.errors import register_errorhandlers
from app.extensions import cors, db, jwt, limiter, migrate, socketio
from app.ids import IdConverter
from app.message_queue import MessageQueue
from app.realtime import connections, shutdown
from app.realtime.catch_up import after_queue_gap
from app.realtime.server import MessagingServer, ReadablePacket
from app.request_observer import QUIET_ROUTES, RequestObserver, note_route
from app.turns import RequestsInTurn, request_slots


class MessagingApp(Flask):
    def make_default_options_response(self):
        """OPTIONS on a route: 204 with Allow (and CORS headers on a preflight), no body to label text/html."""
        response = super().make_default_options_response()
        response.status_code = 204
        del response.headers["Content-Type"]
        return response


def create_app(overrides=None):
    """Build the app from environment settings; `overrides` (a mapping) wins over them."""
    app = MessagingApp(__name__)
    app.json = JsonProvider(app)
    app.config.update(settings.from_env())
    if overrides:
        app.config.update(overrides)
    register_observability(app)
    register_extensions(app)
    register_jobs(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_observability(app):
    """Logs, the request id and metrics of every HTTP request, which take turns (app/turns.py), and
    GET /metrics (docs/runbook.md).

    Gunicorn (gunicorn.conf.py) and the job consumer (tasks/metrics.py) configure logging for the
    whole process before they build the app; a process that has not (the flask CLI) gets the same
    format here. The request observer sits inside ProxyFix, which gives it the client's address.
    """
    if not logging.getLogger().handlers:
        log_format.configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    if monkey.is_module_patched("threading"):
        # Requests are greenlets (Gunicorn's gevent workers: wsgi.py patches first), which take
        # turns (app/turns.py); elsewhere (the flask CLI, the tests' in-process app) they are
        # threads, and only the pools' own waits apply. Inside the observer, so a request's
        # duration includes its wait for a turn.
        app.wsgi_app = RequestsInTurn(app.wsgi_app, request_slots(app.config), exempt=QUIET_ROUTES)
    hops = app.config["TRUSTED_PROXIES"]
    app.wsgi_app = RequestObserver(app.wsgi_app, trust_forwarded_id=hops > 0)
    note_route(app)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {metrics_endpoint.PATH: metrics_endpoint.exposition(
        app.config["METRICS_TOKEN"], lambda: metrics_endpoint.process_registry(
            metrics_endpoint.RealtimeCollector(connections.table, socketio.server.manager)))})


def watch_dependencies(app):
    """Database metrics, the checks of pooled connections, and the probes that tell when PostgreSQL
    or Redis is back (app/outages.py)."""
    with app.app_context():
        engine = db.engine
    database_observer.observe(engine)
    database_checkout.check_at_checkout(engine)

    def postgres_answers():
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    outages.watch("postgres", postgres_answers)
    outages.watch("redis", app.extensions["redis"].ping)


def register_extensions(app):
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    redis_client.init_app(app)
    watch_dependencies(app)
    jwt.init_app(app)
    tokens.register(jwt)
    limiter.init_app(app)
    cors.init_app(app, origins=app.config["CORS_ORIGINS"] or [], supports_credentials=False)
    openapi.init_app(app)
    security_headers.init_app(app)
    register_realtime(app)


def register_realtime(app):
    """Socket.IO on the app, and its AsyncAPI document at /asyncapi.json. Every process can emit
    (through the Redis message queue); only processes that accept Socket.IO connections start
    listening on the queue, at their first connection."""
    # Built here rather than from message_queue=: Flask-SocketIO only knows redis:// URLs as Redis,
    # and development and tests use unix:// sockets, production perhaps Sentinel.
    queue = MessageQueue(app.config["REDIS_URL"], channel=app.config["REDIS_KEY_PREFIX"] + "socketio",
                         config=app.config, on_resubscribed=functools.partial(after_queue_gap, app),
                         before_delivery=connections.forget_participants)
    socketio.init_app(app, client_manager=queue, manage_session=False, async_mode="gevent",
                      cors_allowed_origins=app.config["CORS_ORIGINS"] or None, serializer=ReadablePacket,
                      logger=False, engineio_logger=False)
    # Flask-SocketIO builds a plain socketio.Server and has no option for another class: the
    # gate in front of client events (app/realtime/server.py) is installed on the instance.
    socketio.server.__class__ = MessagingServer
    app.wsgi_app = shutdown.RefuseNewSessionsWhileLeaving(app.wsgi_app)
    realtime.register(socketio)
    realtime.serve_asyncapi_document(app)


def register_jobs(app):
    """The background jobs (tasks/), imported so that services can start them by name (app/job_queue.py)."""
    # Imported here, not at the top: tasks builds its Huey instance from REDIS_URL when imported,
    # and importing `app` (tests, tools) must not need that.
    import tasks  # noqa: F401


def register_blueprints(app):
    app.url_map.converters["int"] = IdConverter  # before any route is added
    api.register(app, openapi)
    web.register(app)


def register_commands(app):
    app.cli.add_command(users_cli)
    app.cli.add_command(redis_cli)
