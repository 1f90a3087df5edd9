"""A Redis outage: the realtime processes hear the message queue again within about a second of
Redis coming back, say they are not ready while they do not, and tell their clients to catch up."""
import time

import requests

from tests.helpers import WAIT, embedded_service


def _readiness(server):
    response = requests.get(server.url + "/health/ready", timeout=WAIT)
    return response.status_code, response.json()


def test_after_a_redis_outage_clients_get_resync_and_hear_new_messages_live(api, connect, servers, stack):
    redis_server = embedded_service(stack, "redis")
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    socket = connect(alice, "rt1")
    api.send(bob, conversation_id, "before the outage")
    socket.wait_for("message_received")

    redis_server.stop()
    try:
        deadline = time.monotonic() + WAIT
        while (readiness := _readiness(servers["rt1"]))[1]["checks"].get("message_queue") != "down":
            assert time.monotonic() < deadline, f"rt1 never reported the message queue down: {readiness}"
            time.sleep(0.1)
    finally:
        redis_server.start()
    resync = socket.wait_for("resync")
    after = api.send(bob, conversation_id, "after the outage")

    assert readiness[0] == 503
    assert resync == {"conversations": [{"conversation_id": conversation_id, "last_seq": 1, "last_event_seq": 1}]}
    assert socket.wait_for("message_received", lambda d: d["message"]["id"] == after["id"])
    assert _readiness(servers["rt1"]) == (200, {"status": "ok", "checks": {
        "postgres": "ok", "redis": "ok", "message_queue": "ok"}})
