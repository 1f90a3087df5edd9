"""A realtime process that is leaving (SIGTERM; app/realtime/shutdown.py) opens no new Socket.IO
session: the load balancer gets a 503 it retries elsewhere. tests/deploy/test_rolling_restart.py
runs the whole shutdown under load."""
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

