def test_registered_user_can_fetch_own_profile(client):
    alice = client.user("alice")

    response = client.as_user(alice, "get", "/users/me")

    assert response.status_code == 200
    assert response.get_json()["username"] == "alice"
