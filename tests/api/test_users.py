from app.extensions import db
from app.models import User


def test_me_returns_the_callers_account(client):
    alice = client.user("alice")

    response = client.as_user(alice, "get", "/users/me")

    assert response.status_code == 200
    assert response.get_json() == {**response.get_json(), "id": alice.id, "username": "alice",
                                   "display_name": "alice", "is_admin": False}
    assert response.get_json()["created_at"]
    assert "password_hash" not in response.get_json()


def test_me_without_a_token_is_401(client):
    response = client.get("/users/me")

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_me_for_a_user_that_no_longer_exists_is_404(client, app):
    ghost = client.user("ghost")
    with app.app_context():
        db.session.delete(db.session.get(User, ghost.id))
        db.session.commit()

    response = client.as_user(ghost, "get", "/users/me")

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_a_user_is_found_by_username_in_any_letter_case(client):
    alice, bob = client.user("alice"), client.user("Bob.Builder")

    response = client.as_user(alice, "get", "/users/by-username/bob.BUILDER")

    assert response.status_code == 200
    assert response.get_json() == {"id": bob.id, "username": "Bob.Builder", "display_name": "Bob.Builder"}


def test_an_unknown_username_is_404(client):
    alice = client.user("alice")

    response = client.as_user(alice, "get", "/users/by-username/nobody")

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_finding_a_user_needs_a_login(client):
    client.user("alice")

    response = client.get("/users/by-username/alice")

    assert response.status_code == 401


HOSTILE_NAME = '<img src=x onerror=alert(1)>Eve & "co"'
INERT_NAME = 'Eve &amp; "co"'  # docs/api.md, "Text that users choose"


def test_a_display_name_follows_the_text_rule_wherever_others_see_it(client):
    eve = client.user("eve", display_name=HOSTILE_NAME)
    bob = client.user("bob")
    conversation = client.conversation(eve, bob)
    sent = client.send(eve, conversation, "hello there")

    shown = [
        client.as_user(eve, "get", "/users/me").get_json()["display_name"],
        sent["sender"]["display_name"],
        client.as_user(bob, "get", f"/conversations/{conversation}/messages").get_json()["items"][0]["sender"][
            "display_name"],
        client.as_user(bob, "get", "/messages/search", query_string={"q": "hello"}).get_json()["items"][0][
            "message"]["sender"]["display_name"],
        next(p["user"]["display_name"] for p in client.as_user(bob, "get", f"/conversations/{conversation}")
             .get_json()["participants"] if p["user"]["id"] == eve.id),
    ]

    assert shown == [INERT_NAME] * len(shown)


def test_a_display_name_is_measured_as_read(client):
    within = client.post("/auth/register", json={"username": "amp", "password": "long enough",
                                                  "display_name": "<b>" + "&" * 64 + "</b>"})
    over = client.post("/auth/register", json={"username": "long", "password": "long enough",
                                                "display_name": "x" * 65})
    empty = client.post("/auth/register", json={"username": "bare", "password": "long enough",
                                                 "display_name": "<b> </b>"})

    assert within.status_code == 201 and within.get_json()["display_name"] == "&amp;" * 64
    assert over.status_code == 422 and "display_name" in over.get_json()["error"]["details"]["fields"]
    assert empty.status_code == 422 and "display_name" in empty.get_json()["error"]["details"]["fields"]
