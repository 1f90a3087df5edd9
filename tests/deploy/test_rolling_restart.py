"""Rolling restart under load: while devices send over Socket.IO, each realtime process in turn gets
SIGTERM (as an orchestrator sends it) and is started again. Nothing acknowledged is lost, retries
store nothing twice, every device reconnects through nginx and catches up, and contacts learn at
once that users of the stopped process went offline (app/realtime/shutdown.py)."""
import time

from tests.deploy.devices import check_nothing_lost_or_doubled, pairs_across_processes, wait_for_sends


def test_restarting_each_realtime_process_in_turn_loses_nothing_and_moves_every_client(
        production, connect, connect_elsewhere):
    # One pair talks over WebSocket, the other partly over long-polling.
    devices, partners = pairs_across_processes(production, connect, connect_elsewhere, [["websocket"], ["polling"]])
    on_first_restarted = [d.user.id for d in devices if production.process_of(d.user, d.socket) == "realtime1"]
    for device in devices:
        device.start()
    wait_for_sends(devices, 0, "every device to send")

    for name in ("realtime1", "realtime2"):
        restarted_at = time.monotonic()
        production.realtime[name].stop()  # SIGTERM, then a new process on the same port
        production.realtime[name].start()
        wait_for_sends(devices, restarted_at, f"every device to send again after {name} restarted")
        print(f"after {name} restarted:", {d.user.username: production.process_of(d.user, d.socket) for d in devices})
    for device in devices:
        device.stop()

    check_nothing_lost_or_doubled(production.api, devices, partners)
    assert all(len(d.socket.connected_at) >= 2 for d in devices)  # each was moved at least once
    for user_id in on_first_restarted:
        assert partners[user_id].socket.received_so_far("user_offline", lambda e: e["user_id"] == user_id)
    print("rolling restart:", {d.user.username: {"acked": len(d.acked), "retries": dict(d.retries),
                                                 "catch-ups": d.catch_ups,
                                                 "reconnect s": [round(s, 2) for s in d.reconnect_seconds()]}
                               for d in devices})
