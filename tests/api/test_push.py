"""Push subscriptions, the VAPID public key and the notification privacy setting (REST)."""
import os

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from app.extensions import db
from app.models import PushSubscription
from devstack.keys import b64url, p256_public_point


def new_p256dh():
    return b64url(p256_public_point(ec.generate_private_key(ec.SECP256R1())))


VALID_P256DH = new_p256dh()


def browser_subscription(endpoint="https://push.example.test/send/abc123"):
    """What PushSubscription.toJSON() gives in a browser, with real key material."""
    return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": new_p256dh(), "auth": b64url(os.urandom(16))}}


def stored_endpoints(app):
    with app.app_context():
        return sorted(db.session.execute(select(PushSubscription.user_id, PushSubscription.endpoint)).all())


def test_user_registers_a_browser_subscription(client, app):
    alice = client.user("alice")

    response = client.as_user(alice, "post", "/push/subscriptions", json=browser_subscription())

    assert response.status_code == 201
    assert response.get_json()["endpoint"] == "https://push.example.test/send/abc123"
    assert stored_endpoints(app) == [(alice.id, "https://push.example.test/send/abc123")]


def test_registering_the_same_endpoint_again_refreshes_it_instead_of_duplicating(client, app):
    alice = client.user("alice")
    first = client.as_user(alice, "post", "/push/subscriptions", json=browser_subscription()).get_json()

    again = client.as_user(alice, "post", "/push/subscriptions", json=browser_subscription())

    assert again.status_code == 200
    assert again.get_json()["id"] == first["id"]
    assert len(stored_endpoints(app)) == 1


def test_endpoint_moves_to_the_user_who_subscribed_last_on_that_browser(client, app):
    alice, bob = client.user("alice"), client.user("bob")
    client.as_user(alice, "post", "/push/subscriptions", json=browser_subscription())

    client.as_user(bob, "post", "/push/subscriptions", json=browser_subscription())

    assert stored_endpoints(app) == [(bob.id, "https://push.example.test/send/abc123")]


@pytest.mark.parametrize("change, field", [
    ({"endpoint": "http://push.example.test/plain"}, "endpoint"),
    ({"endpoint": "file:///etc/passwd"}, "endpoint"),
    ({"endpoint": "https://127.0.0.1:8443/push"}, "endpoint"),
    ({"endpoint": "https://[::1]/push"}, "endpoint"),
    ({"endpoint": "https://10.1.2.3/push"}, "endpoint"),
    ({"endpoint": "https://localhost/push"}, "endpoint"),
    ({"keys": {"p256dh": b64url(b"\x04" + b"x" * 10), "auth": b64url(b"a" * 16)}}, "keys.p256dh"),
    ({"keys": {"p256dh": b64url(b"\x02" + b"x" * 64), "auth": b64url(b"a" * 16)}}, "keys.p256dh"),
    ({"keys": {"p256dh": "not base64 !!", "auth": b64url(b"a" * 16)}}, "keys.p256dh"),
    ({"keys": {"p256dh": VALID_P256DH, "auth": b64url(b"a" * 5)}}, "keys.auth"),
])
def test_malformed_subscription_is_refused(client, app, change, field):
    alice = client.user("alice")
    body = {**browser_subscription(), **change}

    response = client.as_user(alice, "post", "/push/subscriptions", json=body)

    assert response.status_code == 422
    assert field in str(response.get_json()["error"])
    assert stored_endpoints(app) == []


def test_subscription_without_keys_is_refused(client):
    alice = client.user("alice")

    response = client.as_user(alice, "post", "/push/subscriptions", json={"endpoint": "https://push.example.test/x"})

    assert response.status_code == 422


def test_subscribing_needs_a_login(client):
    assert client.post("/push/subscriptions", json=browser_subscription()).status_code == 401


def test_user_deletes_own_subscription(client, app):
    alice = client.user("alice")
    created = client.as_user(alice, "post", "/push/subscriptions", json=browser_subscription()).get_json()

    response = client.as_user(alice, "delete", f"/push/subscriptions/{created['id']}")

    assert response.status_code == 204
    assert stored_endpoints(app) == []


def test_deleting_someone_elses_subscription_is_not_found_and_keeps_it(client, app):
    alice, mallory = client.user("alice"), client.user("mallory")
    created = client.as_user(alice, "post", "/push/subscriptions", json=browser_subscription()).get_json()

    response = client.as_user(mallory, "delete", f"/push/subscriptions/{created['id']}")

    assert response.status_code == 404
    assert len(stored_endpoints(app)) == 1


def test_vapid_public_key_is_published_when_push_is_configured(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", "private")
    monkeypatch.setitem(app.config, "VAPID_PUBLIC_KEY", "BPublicKey")

    response = client.get("/push/vapid-public-key")

    assert response.status_code == 200
    assert response.get_json() == {"public_key": "BPublicKey"}


def test_vapid_public_key_is_not_found_when_push_is_disabled(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", "")
    monkeypatch.setitem(app.config, "VAPID_PUBLIC_KEY", "")

    response = client.get("/push/vapid-public-key")

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "push_disabled"


def test_previews_are_on_by_default_and_can_be_turned_off(client):
    alice = client.user("alice")
    assert client.as_user(alice, "get", "/push/settings").get_json() == {"previews": True}

    response = client.as_user(alice, "put", "/push/settings", json={"previews": False})

    assert response.status_code == 200
    assert client.as_user(alice, "get", "/push/settings").get_json() == {"previews": False}


@pytest.mark.parametrize("endpoint", ["https://[zz/x", "https://[::1", "not a url", "https://"])
def test_an_endpoint_that_is_not_a_url_is_rejected_naming_it(client, endpoint):
    alice = client.user("alice")

    response = client.as_user(alice, "post", "/push/subscriptions", json=browser_subscription(endpoint))

    assert response.status_code == 422
    assert "endpoint" in response.get_json()["error"]["details"]["fields"]
