"""Routing an event when every pooled Redis connection is busy (app/message_queue.py): the
process is overloaded, Redis is fine and every process still hears its channel, so none would tell
its clients to resync. The event waits for a connection instead of being dropped."""
import threading

from prometheus_client import REGISTRY

from app import message_queue, redis_client
from app.message_queue import route_key
from app.redis_client import get_redis
from tests.helpers import WAIT


def _pool_timeouts():
    return REGISTRY.get_sample_value("messaging_redis_pool_timeouts_total") or 0


def test_an_event_routed_while_every_pooled_connection_is_busy_waits_for_one_and_is_published(
        app, make_app, monkeypatch):
    monkeypatch.setattr(redis_client, "POOL_TIMEOUT_SECONDS", 0.1)
    busy = make_app({"REDIS_POOL_SIZE": 1})
    with app.app_context():  # user 7 is held by another process, which listens on its channel
        get_redis().sadd(route_key(7), "elsewhere")
        listener = get_redis().pubsub()
    listener.subscribe(app.config["REDIS_KEY_PREFIX"] + "socketio:elsewhere")
    assert listener.get_message(timeout=WAIT)["type"] == "subscribe"
    pool = busy.extensions["redis"].connection_pool
    held, timeouts_before = pool.get_connection(), _pool_timeouts()  # the pool's only connection

    def hand_back_after_a_timeout():
        while _pool_timeouts() == timeouts_before:
            threading.Event().wait(0.01)
        pool.release(held)

    releaser = threading.Thread(target=hand_back_after_a_timeout)
    releaser.start()
    with busy.app_context():
        message_queue.emit_to_users("user_online", {"user_id": 8, "status": "online"}, [7])
    releaser.join()

    published = listener.get_message(timeout=WAIT)
    listener.close()
    assert published["type"] == "message"
    assert published["data"].startswith('7\n{"event": "user_online", "data": {"user_id": 8, "status": "online"}')
    assert _pool_timeouts() > timeouts_before
