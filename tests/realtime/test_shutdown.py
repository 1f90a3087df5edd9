"""A realtime process that is leaving (SIGTERM; app/realtime/shutdown.py) opens no new Socket.IO
session (the load balancer gets a 503 it retries elsewhere), and tells the contacts of its users
that they went offline, unless they are connected elsewhere. tests/deploy/test_rolling_restart.py
runs the whole shutdown under load."""
from datetime import UTC, datetime

from app.realtime import shutdown


def test_a_leaving_process_answers_new_sessions_503_and_lets_existing_ones_reach_socketio(app, monkeypatch):
    monkeypatch.setattr(shutdown.state, "started", True)
    client = app.test_client()

    new = client.get("/socket.io/?EIO=4&transport=polling")
    existing = client.get("/socket.io/?EIO=4&transport=polling&sid=not-a-session")

    assert new.status_code == 503
    assert new.get_json() == {"error": {"code": "service_unavailable", "message": "this server is restarting"}}
    assert new.headers["Retry-After"] == "1"
    assert existing.status_code == 400  # Engine.IO's own answer: no such session here



def test_a_leaving_process_announces_its_users_offline_at_once_unless_connected_elsewhere(api, connect, extra_realtime):
    alice, carol, bob = api.user(), api.user(), api.user()
    api.conversation(alice, bob)
    api.conversation(carol, bob)
    leaving = extra_realtime()
    bob_socket = connect(bob, "rt2")
    connect(alice, leaving)
    connect(carol, leaving)
    carol_phone = connect(carol, "rt1")
    for user in (alice, carol):
        bob_socket.wait_for("user_online", lambda d, user_id=user.id: d["user_id"] == user_id)
    stopped_at = datetime.now(UTC)

    leaving.stop()  # SIGTERM; returns once the process has exited (it announces all its users together)

    offline = bob_socket.wait_for("user_offline")
    carol_phone.call("heartbeat", {"status": "away"})  # a barrier: published after all the leaving process did
    bob_socket.wait_for("user_online", lambda d: d["user_id"] == carol.id and d["status"] == "away")
    assert offline["user_id"] == alice.id
    assert datetime.fromisoformat(offline["last_seen_at"]) >= stopped_at  # when it left, not when its beat lapsed
    assert bob_socket.received("user_offline") == [offline]
    assert api.as_user(bob, "get", f"/users/{alice.id}/presence").json() == {
        "user_id": alice.id, "status": "offline", "last_seen_at": offline["last_seen_at"]}
