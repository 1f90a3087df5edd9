import time
import uuid

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.helpers import ApiClient, PASSWORD


def login(client, username, password=PASSWORD, ip="127.0.0.1"):
    return client.post("/auth/login", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


# --- register ---------------------------------------------------------------

def test_register_returns_the_new_user_without_password(client):
    response = client.post("/auth/register", json={"username": "alice", "password": PASSWORD,
                                                   "display_name": "Alice A."})

    assert response.status_code == 201
    body = response.get_json()
    assert body["username"] == "alice"
    assert body["display_name"] == "Alice A."
    assert body["is_admin"] is False
    assert "password" not in body and "password_hash" not in body


def test_register_defaults_display_name_to_username(client):
    response = client.post("/auth/register", json={"username": "bob", "password": PASSWORD})

    assert response.get_json()["display_name"] == "bob"


@pytest.mark.parametrize("body, field", [
    ({"password": PASSWORD}, "username"),
    ({"username": "ab", "password": PASSWORD}, "username"),
    ({"username": "has space", "password": PASSWORD}, "username"),
    ({"username": "x" * 33, "password": PASSWORD}, "username"),
    ({"username": "carol"}, "password"),
    ({"username": "carol", "password": "short"}, "password"),
    ({"username": "carol", "password": PASSWORD, "display_name": ""}, "display_name"),
])
def test_register_rejects_invalid_input_naming_the_field(client, body, field):
    response = client.post("/auth/register", json=body)

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["details"]["fields"]


def test_register_refuses_a_username_taken_in_another_letter_case(client):
    client.user("Dave")

    response = client.post("/auth/register", json={"username": "dAVE", "password": PASSWORD})

    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "conflict"
    assert "username" in error["details"]["fields"]


# --- login ------------------------------------------------------------------

def test_login_returns_an_access_and_a_refresh_token(client):
    client.post("/auth/register", json={"username": "erin", "password": PASSWORD})

    response = login(client, "erin")

    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 15 * 60
    assert body["access_token"] and body["refresh_token"]
    me = client.get("/users/me", headers=bearer(body["access_token"]))
    assert me.get_json()["username"] == "erin"


def test_login_is_case_insensitive_on_username(client):
    client.post("/auth/register", json={"username": "Frank", "password": PASSWORD})

    assert login(client, "FRANK").status_code == 200


def test_login_with_wrong_password_and_unknown_user_fail_alike(client):
    client.user("grace")

    wrong_password = login(client, "grace", "not the password")
    unknown_user = login(client, "nobody-here", "not the password")

    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.get_json() == unknown_user.get_json()
    assert wrong_password.get_json()["error"]["code"] == "invalid_credentials"


def test_login_without_password_is_rejected_naming_the_field(client):
    response = client.post("/auth/login", json={"username": "grace"})

    assert response.status_code == 422
    assert "password" in response.get_json()["error"]["details"]["fields"]


def test_login_is_rate_limited_per_ip(client, monkeypatch, app):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT_PER_IP", "3 per minute")
    for attempt in range(3):
        assert login(client, f"someone{attempt}", "wrong", ip="10.0.0.1").status_code == 401

    limited = login(client, "someone-else", "wrong", ip="10.0.0.1")
    other_ip = login(client, "someone-else", "wrong", ip="10.0.0.2")

    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.headers["X-RateLimit-Limit"] == "3"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert "X-RateLimit-Reset" in limited.headers
    assert other_ip.status_code == 401


def test_a_successful_login_carries_no_retry_after(client):
    client.post("/auth/register", json={"username": "judy", "password": PASSWORD})

    response = login(client, "judy", PASSWORD, ip="10.0.0.3")

    assert response.status_code == 200
    assert "Retry-After" not in response.headers
    assert int(response.headers["X-RateLimit-Remaining"]) > 0


def test_behind_a_trusted_proxy_the_login_limit_counts_the_forwarded_client_address(make_app):
    proxied = ApiClient(make_app({"TRUSTED_PROXIES": 1, "LOGIN_RATE_LIMIT_PER_IP": "2 per minute"}).test_client())

    def through_proxy(client_ip, username):
        return proxied.post("/auth/login", json={"username": username, "password": "wrong"},
                            environ_base={"REMOTE_ADDR": "10.9.9.9"}, headers={"X-Forwarded-For": client_ip})

    assert [through_proxy("203.0.113.7", f"guess{n}").status_code for n in range(3)] == [401, 401, 429]
    assert through_proxy("198.51.100.4", "someone").status_code == 401


def test_login_is_rate_limited_per_username_across_ips(client, monkeypatch, app):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT_PER_USERNAME", "2 per minute")
    client.post("/auth/register", json={"username": "heidi", "password": PASSWORD})
    for attempt in range(2):
        assert login(client, "heidi", "wrong", ip=f"10.1.0.{attempt}").status_code == 401

    limited = login(client, "HEIDI", PASSWORD, ip="10.1.0.99")
    other_user = login(client, "someone-else", "wrong", ip="10.1.0.99")

    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert "Retry-After" in limited.headers
    assert other_user.status_code == 401


# --- refresh ----------------------------------------------------------------

def test_refresh_token_gets_a_new_working_access_token(client):
    ivan = client.user("ivan")

    response = client.post("/auth/refresh", headers=bearer(ivan.refresh_token))

    assert response.status_code == 200
    token = response.get_json()["access_token"]
    assert client.get("/users/me", headers=bearer(token)).get_json()["id"] == ivan.id


def test_refresh_refuses_an_access_token(client):
    judy = client.user("judy")

    response = client.post("/auth/refresh", headers=bearer(judy.token))

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_refresh_token_is_not_accepted_as_an_access_token(client):
    judy = client.user("judy")

    response = client.get("/users/me", headers=bearer(judy.refresh_token))

    assert response.status_code == 401


# --- logout and revocation --------------------------------------------------

def test_logout_revokes_the_access_token(client):
    kim = client.user("kim")

    logout = client.post("/auth/logout", headers=kim.headers)

    assert logout.status_code == 204
    after = client.get("/users/me", headers=kim.headers)
    assert after.status_code == 401
    assert after.get_json()["error"] == {"code": "unauthorized", "message": "token has been revoked"}


def test_logout_revokes_the_refresh_token_given_in_the_body(client):
    leo = client.user("leo")

    client.post("/auth/logout", headers=leo.headers, json={"refresh_token": leo.refresh_token})

    assert client.post("/auth/refresh", headers=bearer(leo.refresh_token)).status_code == 401


def test_logout_leaves_another_users_refresh_token_alone(client):
    leo, mia = client.user("leo"), client.user("mia")

    client.post("/auth/logout", headers=leo.headers, json={"refresh_token": mia.refresh_token})

    assert client.post("/auth/refresh", headers=bearer(mia.refresh_token)).status_code == 200


def test_logout_with_an_invalid_refresh_token_is_rejected_and_revokes_nothing(client):
    uma = client.user("uma")

    response = client.post("/auth/logout", headers=uma.headers, json={"refresh_token": "not.a.token"})

    assert response.status_code == 422
    assert "refresh_token" in response.get_json()["error"]["details"]["fields"]
    assert client.get("/users/me", headers=uma.headers).status_code == 200


def test_logout_without_refresh_token_keeps_it_usable(client):
    nia = client.user("nia")

    client.post("/auth/logout", headers=nia.headers)

    assert client.post("/auth/refresh", headers=bearer(nia.refresh_token)).status_code == 200


def test_revoked_token_is_refused_on_every_endpoint(client):
    olga, pete = client.user("olga"), client.user("pete")
    conversation = client.conversation(olga, pete)
    message = client.send(olga, conversation, "before logout")
    client.post("/auth/logout", headers=olga.headers)

    requests = [
        ("get", "/users/me", {}),
        ("get", "/conversations", {}),
        ("post", "/conversations", {"json": {"participant_ids": [pete.id]}}),
        ("get", f"/conversations/{conversation}", {}),
        ("patch", f"/conversations/{conversation}/archive", {"json": {}}),
        ("get", f"/conversations/{conversation}/messages", {}),
        ("post", f"/conversations/{conversation}/messages", {"json": {"content": "hi"}}),
        ("get", f"/conversations/{conversation}/messages/search?q=logout", {}),
        ("get", "/messages/search?q=logout", {}),
        ("patch", f"/messages/{message['id']}/read", {}),
        ("post", "/auth/logout", {}),
    ]
    for method, path, kwargs in requests:
        response = client.as_user(olga, method, path, **kwargs)
        assert response.status_code == 401, (method, path)
        assert response.get_json()["error"]["message"] == "token has been revoked"


def test_requests_without_a_token_get_401_in_the_error_format(client):
    response = client.get("/conversations")

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_tampered_token_is_refused(client):
    quinn = client.user("quinn")

    response = client.get("/users/me", headers=bearer(quinn.token[:-4] + "AAAA"))

    assert response.status_code == 401
    assert response.get_json()["error"]["message"].startswith("invalid token")


# --- RS256: tokens from an external identity provider -----------------------

def _rsa_private_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _public_pem(private_key):
    return private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _idp_token(private_key, subject, **overrides):
    now = int(time.time())
    claims = {"sub": str(subject), "iat": now, "nbf": now, "exp": now + 300, "jti": str(uuid.uuid4()),
              "type": "access", **overrides}
    return pyjwt.encode({k: v for k, v in claims.items() if v is not None}, private_key, algorithm="RS256")


@pytest.fixture
def rs256_client(make_app, stack):
    from app import config as settings

    idp_key = _rsa_private_key()
    env = {**stack["env"], "JWT_ALGORITHM": "RS256", "JWT_PUBLIC_KEY": _public_pem(idp_key)}
    rs256_app = make_app(settings.from_env(env))
    return rs256_app.test_client(), idp_key


def test_rs256_accepts_a_token_signed_by_the_identity_providers_key(client, rs256_client):
    rita = client.user("rita")
    rs256, idp_key = rs256_client

    response = rs256.get("/users/me", headers=bearer(_idp_token(idp_key, rita.id)))

    assert response.status_code == 200
    assert response.get_json()["username"] == "rita"


def test_rs256_refuses_a_token_signed_by_another_key(client, rs256_client):
    sam = client.user("sam")
    rs256, _ = rs256_client

    response = rs256.get("/users/me", headers=bearer(_idp_token(_rsa_private_key(), sam.id)))

    assert response.status_code == 401
    assert response.get_json()["error"]["message"].startswith("invalid token")


def test_rs256_refuses_an_hs256_token(client, rs256_client):
    tom = client.user("tom")
    rs256, _ = rs256_client

    assert rs256.get("/users/me", headers=tom.headers).status_code == 401


def test_rs256_identity_provider_token_can_be_revoked_by_logout(client, rs256_client):
    uri = client.user("uri")
    rs256, idp_key = rs256_client
    token = _idp_token(idp_key, uri.id)

    assert rs256.post("/auth/logout", headers=bearer(token)).status_code == 204

    assert rs256.get("/users/me", headers=bearer(token)).status_code == 401


@pytest.mark.parametrize("missing", ["jti", "exp"])
def test_rs256_refuses_a_token_that_could_not_be_revoked(client, rs256_client, missing):
    vera = client.user("vera")
    rs256, idp_key = rs256_client

    response = rs256.get("/users/me", headers=bearer(_idp_token(idp_key, vera.id, **{missing: None})))

    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == "invalid token: jti and exp are required"


def test_rs256_refuses_a_token_whose_subject_is_not_a_user_id(rs256_client):
    rs256, idp_key = rs256_client

    response = rs256.get("/users/me", headers=bearer(_idp_token(idp_key, "auth0|5f3c")))

    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == "invalid token: sub must be a user id"
