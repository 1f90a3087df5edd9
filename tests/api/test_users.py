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
