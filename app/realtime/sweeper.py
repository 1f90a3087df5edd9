"""One background greenlet per realtime process: beats, and ends what ran out of time.

Started at the process's first Socket.IO connection, stopped when the process leaves (shutdown).
Every round it ends connections whose token expired, rebuilds registry entries a beat found lost
(and tells their users to resync), announces lapsed typing indicators, re-checks idle users and
dead processes' users, and beats a few times per PRESENCE_TTL_SECONDS. Each round
is bounded (batches), and a failing round is retried at the next tick, so Redis or PostgreSQL
being briefly down never kills it. An unreachable dependency is reported to app/outages.py (one
line when lost, one when back), not logged again every tick; anything else is logged in full.
"""
import logging
import time

from app import outages
from app.errors import dependency_of, redis_pool_timeout
from app.extensions import db, socketio
from app.realtime import catch_up, connections, presence, registry, shutdown, typing

log = logging.getLogger(__name__)

_started = False


def start(app):
    """Start the sweeper for this process unless it is running."""
    global _started
    if not _started:
        _started = True
        socketio.start_background_task(_run, app)


def _intervals(config):
    presence_ttl, typing_ttl = config["PRESENCE_TTL_SECONDS"], config["TYPING_TTL_SECONDS"]
    tick = min(1.0, presence_ttl / 4, typing_ttl / 4)
    return tick, presence_ttl / 3


def _run(app):
    tick, beat_every = _intervals(app.config)
    last_beat = last_key_refresh = 0.0
    while True:
        socketio.sleep(tick)
        if shutdown.state.started:
            return  # leaving: no more beats (shutdown.leave takes the process out of presence)
        now = time.time()
        with app.app_context():
            try:
                connections.end_expired(now)
                if now - last_beat >= beat_every:
                    registry.beat(now)
                    last_beat = now
                catch_up.after_lost_entries()
                typing.end_lapsed(now)
                presence.end_idle(now)
                presence.end_dead_processes(now)
                if now - last_key_refresh >= 3600:
                    presence.refresh_key_ttls(connections.table.user_ids())
                    registry.refresh_key_ttls(connections.table.user_ids())
                    last_key_refresh = now
            except Exception as exc:
                dependency = dependency_of(exc)
                if dependency:
                    outages.lost(dependency, exc)
                elif redis_pool_timeout(exc):  # overload, not an outage, nor a bug
                    log.warning("realtime sweeper round skipped: no pooled Redis connection was free")
                else:
                    log.exception("realtime sweeper round failed; retrying next tick")
            finally:
                db.session.remove()
