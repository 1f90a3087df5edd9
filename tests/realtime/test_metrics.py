"""GET /metrics of the real processes after real traffic: an api process with two Gunicorn workers,
the two realtime processes and the job consumer, each scraped as Prometheus would, with METRICS_TOKEN."""
import re
import time
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from devstack.net import free_port
from tests.helpers import (WAIT, ApiClient, HttpSession, embedded_service, finished_job, log_records, make_admin,
                           wait_until)
from tests.servers import TEST_SETTINGS, Consumer, Server

TOKEN = TEST_SETTINGS["METRICS_TOKEN"]
SEND_ROUTE = "/conversations/<int:conversation_id>/messages"
DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.fixture(scope="module")
def observed(app, stack, tmp_path_factory):
    """{"api": Server (2 workers), "consumer": its metrics URL, "api_log": path}."""
    log_dir = tmp_path_factory.mktemp("metrics")
    env = {k: v for k, v in stack["env"].items() if k != "FLASK_APP"}
    consumer_bind = f"127.0.0.1:{free_port()}"
    started = []
    try:
        started.append(Server("api", env, output=log_dir / "api.log", WEB_CONCURRENCY="2", LOG_LEVEL="INFO",
                              SEND_RATE_LIMIT="1000"))
        started.append(Consumer({**env, "METRICS_TOKEN": TOKEN, "METRICS_BIND": consumer_bind},
                                log_dir / "consumer.log"))
        yield {"api": started[0], "consumer": f"http://{consumer_bind}", "api_log": log_dir / "api.log"}
    finally:
        for process in started:
            process.stop()


def scrape(url, token=TOKEN):
    """{(sample name, frozenset of labels): value} from a process's /metrics."""
    response = requests.get(url.rstrip("/") + "/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=WAIT)
    assert response.status_code == 200, response.text
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def value(samples, name, **labels):
    """The sum of the samples of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (sample, sample_labels), v in samples.items() if sample == name and wanted <= sample_labels)


def test_rest_sends_are_counted_once_across_both_api_workers(observed):
    api = ApiClient(HttpSession(observed["api"].url))
    alice, bob = api.user(), api.user()
    conversation = api.conversation(alice, bob)
    before = scrape(observed["api"].url)
    sent = []

    def both_workers_stored():
        sent.append(api.send(alice, conversation, f"hello {len(sent)}")["id"])
        records = log_records(observed["api_log"].read_text())
        return len({r["pid"] for r in records if r["message"] == "message stored" and r["message_id"] in sent}) == 2

    wait_until(both_workers_stored, "sends served by both api workers")
    refused = api.as_user(alice, "post", f"/conversations/{conversation}/messages", json={"content": "x" * 5000})
    after = scrape(observed["api"].url)

    assert refused.status_code == 422
    stored = value(after, "messaging_messages_stored_total", door="rest") - value(
        before, "messaging_messages_stored_total", door="rest")
    assert stored == len(sent)
    assert value(after, "messaging_http_request_duration_seconds_count", route=SEND_ROUTE, method="POST",
                 status="201") - value(before, "messaging_http_request_duration_seconds_count", route=SEND_ROUTE,
                                       method="POST", status="201") == len(sent)
    assert value(after, "messaging_messages_rejected_total", door="rest", reason="validation_error") - value(
        before, "messaging_messages_rejected_total", door="rest", reason="validation_error") == 1
    assert value(after, "messaging_http_requests_in_flight") == 0
    assert value(after, "messaging_db_query_duration_seconds_count", kind="with") > value(
        before, "messaging_db_query_duration_seconds_count", kind="with")  # the insert is a CTE


def test_socket_sends_connections_and_deliveries_are_counted_by_each_realtime_process(api, servers, connect):
    alice, bob = api.user(), api.user()
    conversation = api.conversation(alice, bob)
    before = {name: scrape(servers[name].url) for name in ("rt1", "rt2")}
    sender, receiver = connect(alice, "rt1"), connect(bob, "rt2")

    acks = [sender.call("send_message", {"conversation_id": conversation, "content": f"hi {n}"}) for n in range(3)]
    refused = sender.call("send_message", {"conversation_id": conversation, "content": "x" * 5000})
    for n in range(3):
        receiver.wait_for("message_received", lambda data, n=n: data["message"]["content"] == f"hi {n}")
    during = {name: scrape(servers[name].url) for name in ("rt1", "rt2")}
    sender.close()
    receiver.close()
    wait_until(lambda: value(scrape(servers["rt2"].url), "messaging_socketio_connections") == 0,
               "the receiver's socket to be gone")
    after = scrape(servers["rt2"].url)

    def moved(process, name, samples=None, **labels):
        return value(samples or during[process], name, **labels) - value(before[process], name, **labels)

    assert [ack["ok"] for ack in acks] == [True] * 3 and refused["error"]["code"] == "validation_error"
    assert moved("rt1", "messaging_messages_stored_total", door="socket") == 3
    assert moved("rt1", "messaging_messages_rejected_total", door="socket", reason="validation_error") == 1
    assert moved("rt1", "messaging_socketio_events_total", event="send_message", outcome="ok") == 3
    assert moved("rt1", "messaging_socketio_events_total", event="send_message", outcome="validation_error") == 1
    assert moved("rt1", "messaging_socketio_event_duration_seconds_count", event="send_message") == 4
    assert [moved(name, "messaging_socketio_connects_total", outcome="accepted") for name in ("rt1", "rt2")] == [1, 1]
    assert [value(during[name], "messaging_socketio_connections") for name in ("rt1", "rt2")] == [1, 1]
    assert [value(during[name], "messaging_socketio_queue_subscribed") for name in ("rt1", "rt2")] == [1, 1]
    # Each message crossed the Redis queue to rt2 and was emitted there to the receiver's socket.
    assert moved("rt2", "messaging_delivery_latency_seconds_count", event="message_received") == 3
    # By reason: the client's disconnect packet or the transport's close, whichever the server reads first.
    assert moved("rt2", "messaging_socketio_disconnects_total", after) == 1


def test_a_job_run_shows_in_the_consumers_metrics(observed, app):
    api = ApiClient(HttpSession(observed["api"].url))
    admin = make_admin(app, api.user())
    before = scrape(observed["consumer"])

    job = finished_job(api, admin, api.as_user(admin, "post", "/admin/trigger-archive").get_json()["id"])
    after = scrape(observed["consumer"])

    assert job["state"] == "succeeded"
    runs = {"task": "archive_conversations", "outcome": "succeeded"}
    assert value(after, "messaging_job_runs_total", **runs) - value(before, "messaging_job_runs_total", **runs) == 1
    assert value(after, "messaging_job_duration_seconds_count", task="archive_conversations") - value(
        before, "messaging_job_duration_seconds_count", task="archive_conversations") == 1
    assert value(after, "messaging_job_last_success_timestamp_seconds", task="archive_conversations") == \
        pytest.approx(job["finished_at"], abs=1)
    assert value(after, "messaging_redis_up") == 1 and value(after, "messaging_redis_used_memory_bytes") > 0
    assert ("messaging_job_queue_depth", frozenset({("state", "pending")})) in after


@pytest.mark.parametrize("presented", [None, "Bearer wrong-token-0123456789", f"Basic {TOKEN}"])
def test_metrics_need_the_token(observed, presented):
    for url in (observed["api"].url, observed["consumer"]):  # a Gunicorn role's and the consumer's
        response = requests.get(url + "/metrics", headers={"Authorization": presented} if presented else {},
                                timeout=WAIT)

        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json()["error"]["code"] == "unauthorized"


def test_without_a_metrics_token_there_is_no_metrics_endpoint(client):
    response = client.get("/metrics", headers={"Authorization": "Bearer anything-at-all-here"})

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_every_metric_the_alerts_and_dashboard_use_is_exported(observed, app, servers, connect):
    api = ApiClient(HttpSession(observed["api"].url))
    alice, bob, admin = api.user(), api.user(), make_admin(app, api.user())
    conversation = api.conversation(alice, bob)
    sender, receiver = connect(alice, "rt1"), connect(bob, "rt2")
    api.send(alice, conversation, "over REST")
    sender.call("send_message", {"conversation_id": conversation, "content": "x" * 5000})
    sender.call("send_message", {"conversation_id": conversation, "content": "over Socket.IO"})
    receiver.wait_for("message_received", lambda data: data["message"]["content"] == "over Socket.IO")
    sender.close()
    finished_job(api, admin, api.as_user(admin, "post", "/admin/trigger-archive").get_json()["id"])
    wait_until(lambda: value(scrape(servers["rt1"].url), "messaging_socketio_disconnects_total") > 0,
               "the sender's disconnect to be counted")

    exported = {name for url in (observed["api"].url, servers["rt1"].url, servers["rt2"].url, observed["consumer"])
                for name, _ in scrape(url)}
    used = set(re.findall(r"\bmessaging_[a-z_]+", (DEPLOY / "prometheus" / "alerts.yml").read_text()
                          + (DEPLOY / "grafana" / "messaging.json").read_text()))
    assert used and used - exported == set()


def test_a_redis_outage_shows_in_the_logs_and_metrics_until_redis_is_back(observed, servers, stack, connect,
                                                                          extra_realtime, tmp_path):
    redis_server = embedded_service(stack, "redis")
    api_url = observed["api"].url
    connect(ApiClient(HttpSession(api_url)).user(), "rt1")  # rt1 listens on the queue from its first connection
    realtime_log = tmp_path / "realtime.log"
    logged_realtime = extra_realtime(output=realtime_log, LOG_LEVEL="INFO")
    connect(ApiClient(HttpSession(api_url)).user(), logged_realtime)  # its sweeper runs from its first connection

    def api_redis_up():
        return value(scrape(api_url), "messaging_dependency_up", dependency="redis")

    redis_server.stop()
    try:
        wait_until(lambda: requests.get(api_url + "/health/ready", timeout=WAIT).status_code == 503
                   and api_redis_up() == 0, "the api process to notice Redis is gone")
        wait_until(lambda: value(scrape(servers["rt1"].url), "messaging_socketio_queue_subscribed") == 0,
                   "rt1 to lose the message queue")
        consumer_during = scrape(observed["consumer"])
        wait_until(lambda: any(r["message"] == "redis connection lost" for r in log_records(realtime_log.read_text())),
                   "the realtime process to notice Redis is gone")
        time.sleep(1)  # Redis stays away for a few more of its sweeper's rounds (a tick is 0.25 s here)
    finally:
        redis_server.start()
    wait_until(lambda: api_redis_up() == 1, "the api process to see Redis again")
    wait_until(lambda: value(scrape(servers["rt1"].url), "messaging_socketio_queue_subscribed") == 1,
               "rt1 to hear the message queue again")

    assert value(consumer_during, "messaging_redis_up") == 0
    assert ("messaging_redis_used_memory_bytes", frozenset()) not in consumer_during
    records = [r for r in log_records(observed["api_log"].read_text()) if r.get("dependency") == "redis"]
    assert [r["message"] for r in records][:2] == ["redis connection lost", "redis connection recovered"]
    assert records[1]["down_s"] > 0 and records[1]["pid"] == records[0]["pid"]
    # A realtime process says so once too: its sweeper's failing rounds are not logged every tick.
    wait_until(lambda: any(r.get("dependency") == "redis" and r["message"] == "redis connection recovered"
                           for r in log_records(realtime_log.read_text())), "the realtime process to see Redis again")
    realtime_records = log_records(realtime_log.read_text())
    assert [r["message"] for r in realtime_records if r.get("dependency") == "redis"][:2] == \
        ["redis connection lost", "redis connection recovered"]
    assert [r for r in realtime_records if r["level"] == "ERROR" and r["logger"] == "app.realtime.sweeper"] == []
    assert value(scrape(observed["consumer"]), "messaging_redis_up") == 1
