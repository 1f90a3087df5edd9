from urllib.parse import quote

from prometheus_client import REGISTRY
from sqlalchemy import make_url

from app import redis_client

from devstack.net import free_port
from tests.helpers import ApiClient, embedded_service

NOTHING_LISTENS = "redis://127.0.0.1:1/0"


def test_liveness_answers_without_a_token(client):
    response = client.get("/health")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readiness_reports_both_dependencies_up(client):
    response = client.get("/health/ready")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"postgres": "ok", "redis": "ok"}}


def test_readiness_is_503_naming_redis_when_it_is_unreachable(make_app):
    app = make_app({"REDIS_URL": NOTHING_LISTENS})

    response = app.test_client().get("/health/ready")

    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"] == {"postgres": "ok", "redis": "down"}
    assert body["error"]["code"] == "service_unavailable"
    assert "redis" in body["error"]["message"] and "postgres" not in body["error"]["message"]


def test_readiness_is_503_naming_postgres_when_it_is_unreachable(make_app):
    app = make_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg2://postgres@127.0.0.1:1/none"})

    response = app.test_client().get("/health/ready")

    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"] == {"postgres": "down", "redis": "ok"}
    assert "postgres" in body["error"]["message"]


def test_a_multi_host_database_url_reaches_the_server_after_one_that_is_down(app, make_app, monkeypatch):
    # libpq's multi-host form, as Patroni setups and managed services hand it out: here the first
    # host refuses connections (a primary that is down) and the second is the test database.
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    host, port = url.host or url.query["host"], url.port or url.query.get("port", 5432)
    credentials = quote(url.username) + (f":{quote(url.password)}" if url.password else "")
    hosts = f"127.0.0.1:{free_port()},{quote(host, safe='')}:{port}"
    monkeypatch.setenv("DATABASE_URL",
                       f"postgresql://{credentials}@{hosts}/{url.database}?target_session_attrs=read-write")
    client = ApiClient(make_app().test_client())

    ready = client.get("/health/ready")
    alice = client.user("alice")  # a write: target_session_attrs=read-write found the primary

    assert ready.get_json()["checks"]["postgres"] == "ok"
    assert client.as_user(alice, "get", "/users/me").get_json()["username"] == "alice"


def test_requests_needing_an_unreachable_redis_get_a_json_503(client, make_app):
    alice = client.user("alice")
    app = make_app({"REDIS_URL": NOTHING_LISTENS})

    response = app.test_client().get("/users/me", headers=alice.headers)

    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "service_unavailable"
    assert response.headers["Retry-After"] == "1"


def test_service_recovers_after_postgres_restarts(client, stack):
    postgres = embedded_service(stack, "postgres")
    alice, bob = client.user("alice"), client.user("bob")
    conversation = client.conversation(alice, bob)
    client.send(alice, conversation, "before the restart")

    postgres.restart()

    assert client.get("/health/ready").status_code == 200
    response = client.as_user(alice, "post", f"/conversations/{conversation}/messages",
                              json={"content": "after the restart"})
    assert response.status_code == 201
    assert response.get_json()["seq"] == 2


def test_service_recovers_after_redis_restarts(client, stack):
    redis_server = embedded_service(stack, "redis")
    alice, bob = client.user("alice"), client.user("bob")
    conversation = client.conversation(alice, bob)

    redis_server.restart()

    assert client.get("/health/ready").status_code == 200
    assert client.as_user(alice, "get", "/users/me").status_code == 200
    sent = client.as_user(alice, "post", f"/conversations/{conversation}/messages", json={"content": "still here"})
    assert sent.status_code == 201
    assert client.post("/auth/login", json={"username": "bob", "password": "correct horse battery"}).status_code == 200


def test_a_request_finding_every_pooled_redis_connection_busy_gets_a_503_and_redis_is_not_reported_down(
        client, make_app, monkeypatch, caplog):
    alice = client.user("alice")
    monkeypatch.setattr(redis_client, "POOL_TIMEOUT_SECONDS", 0.1)
    app = make_app({"REDIS_POOL_SIZE": 1})
    held = app.extensions["redis"].connection_pool.get_connection()  # the pool's only connection
    timeouts_before = REGISTRY.get_sample_value("messaging_redis_pool_timeouts_total") or 0
    try:
        response = app.test_client().get("/users/me", headers=alice.headers)
    finally:
        app.extensions["redis"].connection_pool.release(held)

    assert response.status_code == 503
    error = response.get_json()["error"]
    assert (error["code"], error["message"]) == ("service_unavailable", "server busy, retry shortly")
    assert response.headers["Retry-After"] == "1"
    assert REGISTRY.get_sample_value("messaging_redis_pool_timeouts_total") == timeouts_before + 1
    assert "redis connection lost" not in caplog.text
