"""A Redis failover under load: devices on both realtime processes keep sending while the Redis
primary is killed (SIGKILL) and the sentinels promote the replica. Sends fail with a retryable
error meanwhile and succeed again once the processes reach the new primary through the sentinels;
nothing acknowledged is lost (PostgreSQL is the source of truth, Redis only carries the news),
live delivery resumes, and each device is told to resync for the window it may have missed.

The timings are printed, never asserted: docs/runbook.md has the figures measured."""
import statistics
import time
from collections import Counter

from tests.deploy.devices import check_nothing_lost_or_doubled, pairs_across_processes, wait_for_sends
from tests.helpers import wait_until


def test_killing_the_redis_primary_loses_no_acknowledged_message(production, connect, connect_elsewhere):
    devices, partners = pairs_across_processes(production, connect, connect_elsewhere, [["websocket"]] * 2)
    old_primary = production.redis.primary_port()
    for device in devices:
        device.start()
    wait_for_sends(devices, 0, "every device to send")

    held_at_kill = {d: d.highest_seq() for d in devices}
    killed_at = time.monotonic()
    production.redis.primary.kill()
    wait_for_sends(devices, killed_at, "every device to send again")
    recovered_after = [d.first_ack_of_a_send_started_after(killed_at) for d in devices]
    recovered_at = killed_at + max(recovered_after)
    wait_until(lambda: all(sum(1 for at, _ in d.live if at > recovered_at) >= 3 for d in devices),
               "live delivery to resume")
    for device in devices:
        device.stop()

    assert production.redis.primary_port() != old_primary
    check_nothing_lost_or_doubled(production.api, devices, partners)
    assert all(any(at > killed_at for at in d.resyncs) for d in devices)  # each was told to catch up
    print("sentinel failover:", {
        "sends succeed again after s": {"min": round(min(recovered_after), 2),
                                        "median": round(statistics.median(recovered_after), 2),
                                        "max": round(max(recovered_after), 2)},
        "acknowledged": sum(len(d.acked) for d in devices), "lost": 0,
        "retries": dict(sum((d.retries for d in devices), Counter())),
        "delivered live after recovery": sum(sum(1 for at, _ in d.live if at > recovered_at) for d in devices),
        # The first message sent after the kill that a device received live.
        "live delivery resumed after s": [round(min(at for at, seq in d.live if seq > held_at_kill[d]) - killed_at, 2)
                                          for d in devices],
        "resync after s": [round(min(at for at in d.resyncs if at > killed_at) - killed_at, 2) for d in devices]})
