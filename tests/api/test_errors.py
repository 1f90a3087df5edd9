"""One JSON error body for every failure: {"error": {"code", "message", "details"?}}."""


def assert_error(response, status, code):
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def test_unknown_route_is_a_json_404(client):
    assert_error(client.get("/no/such/thing"), 404, "not_found")


def test_wrong_method_is_a_json_405_with_allow(client):
    response = client.delete("/health")

    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_oversized_body_is_a_json_413(client, app):
    alice = client.user("alice")
    too_big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)

    response = client.as_user(alice, "post", "/conversations/1/messages", json={"content": too_big})

    assert_error(response, 413, "request_entity_too_large")


def test_schema_violation_is_a_422_naming_fields(client):
    error = assert_error(client.post("/auth/register", json={"username": "a"}), 422, "validation_error")

    assert set(error["details"]["fields"]) == {"username", "password"}


def test_unknown_fields_are_rejected(client):
    error = assert_error(client.post("/auth/register", json={"username": "alice", "password": "long enough",
                                                             "is_admin": True}), 422, "validation_error")

    assert "is_admin" in error["details"]["fields"]


def test_malformed_json_is_a_400(client):
    response = client.post("/auth/login", data='{"username": "alice",', content_type="application/json")

    assert_error(response, 400, "bad_request")


def test_json_that_is_not_an_object_is_rejected(client):
    response = client.post("/auth/login", json=["alice", "password"])

    assert_error(response, 422, "validation_error")


def test_unexpected_exception_is_a_json_500_without_traceback(make_app):
    app = make_app()

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals: /etc/passwd")

    response = app.test_client().get("/boom")

    error = assert_error(response, 500, "internal_error")
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "secret internals" not in text and "RuntimeError" not in text
    assert error["message"] == "internal server error"


def test_nul_characters_are_rejected_naming_the_field_not_a_500(client):
    alice = client.user("alice")
    requests = [
        ("post", "/auth/register", {"json": {"username": "nul", "password": "long enough", "display_name": "a\x00"}},
         "display_name"),
        ("post", "/auth/login", {"json": {"username": "alice\x00", "password": "whatever"}}, "username"),
        ("get", "/messages/search", {"query_string": {"q": "hi\x00"}}, "q"),
        ("post", "/conversations", {"json": {"participant_ids": [alice.id + 1], "title": "t\x00"}}, "title"),
    ]
    for method, path, kwargs, field in requests:
        response = client.as_user(alice, method, path, **kwargs)
        error = assert_error(response, 422, "validation_error")
        assert field in error["details"]["fields"], path


def test_nul_characters_are_dropped_from_message_content(client):
    alice, bob = client.user("alice"), client.user("bob")
    conversation = client.conversation(alice, bob)

    assert client.send(alice, conversation, "nul\x00byte")["content"] == "nulbyte"
