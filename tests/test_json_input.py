"""JSON the service cannot read is a 4xx on every endpoint that takes a body, never a 500:
nesting too deep, integers past Python's 4,300-digit limit, strings that are not Unicode text."""
import re

import pytest

SURROGATE = "\ud800"


def assert_error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == code
    return response.get_json()["error"]


# (method, path) of every endpoint that reads a JSON body.
BODY_ENDPOINTS = [
    ("post", "/auth/register"), ("post", "/auth/login"), ("post", "/auth/logout"), ("post", "/conversations"),
    ("patch", "/conversations/{conversation_id}"), ("patch", "/conversations/{conversation_id}/archive"),
    ("patch", "/conversations/{conversation_id}/mute"), ("post", "/conversations/{conversation_id}/messages"),
    ("post", "/conversations/{conversation_id}/participants"),
    ("patch", "/conversations/{conversation_id}/participants/{user_id}"),
    ("post", "/conversations/{conversation_id}/images"), ("patch", "/messages/{message_id}"),
    ("post", "/push/subscriptions"), ("put", "/push/settings")]


@pytest.fixture
def alice_and_conversation(client):
    alice, bob, carol = client.user("alice"), client.user("bob"), client.user("carol")
    return alice, client.conversation(alice, bob, carol, title="team")


def body_endpoints(conversation):
    """BODY_ENDPOINTS with ids in their paths (the body is read before any id is looked up)."""
    return [(method, path.format(conversation_id=conversation, message_id=1, user_id=2))
            for method, path in BODY_ENDPOINTS]


def test_every_route_that_takes_a_body_is_listed_here(app, alice_and_conversation):
    listed = {(method.upper(), re.sub(r"\{(\w+)\}", r"<int:\1>", path)) for method, path in BODY_ENDPOINTS}
    readers = {(method, rule.rule) for rule in app.url_map.iter_rules()
               for method in rule.methods & {"POST", "PUT", "PATCH"}
               if "json" in [p["in"] for p in getattr(app.view_functions[rule.endpoint], "_apidoc", {})
                             .get("arguments", {}).get("parameters", [])]}

    assert readers == listed


@pytest.mark.parametrize("raw, why", [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"content": ' + "9" * 5000 + "}", "a number has too many digits"),
])
def test_json_that_cannot_be_read_is_a_400_on_every_body_endpoint(client, alice_and_conversation, raw, why):
    alice, conversation = alice_and_conversation

    for method, path in body_endpoints(conversation):
        response = client.as_user(alice, method, path, data=raw, content_type="application/json")

        error = assert_error(response, 400, "bad_request")
        assert error["message"] == f"invalid JSON body: {why}", path


LONE_SURROGATES = [  # (method, path, body, the field named)
    ("post", "/auth/register", {"username": SURROGATE, "password": "long enough"}, "username"),
    ("post", "/auth/register", {"username": "mallory", "password": "long enough" + SURROGATE}, "password"),
    ("post", "/auth/register", {"username": "mallory", "password": "long enough", "display_name": SURROGATE},
     "display_name"),
    ("post", "/auth/login", {"username": "alice" + SURROGATE, "password": "whatever"}, "username"),
    ("post", "/auth/login", {"username": "alice", "password": SURROGATE}, "password"),
    ("post", "/auth/logout", {"refresh_token": SURROGATE}, "refresh_token"),
    ("post", "/conversations", {"participant_ids": [2], "title": "trip " + SURROGATE}, "title"),
    ("post", "/conversations/{conversation}/messages", {"content": "hi " + SURROGATE}, "content"),
    ("post", "/push/subscriptions", {"endpoint": "https://push.example.test/x",
                                     "keys": {"p256dh": "a", "auth": SURROGATE}}, "keys.auth"),
]


def test_a_lone_surrogate_is_a_422_naming_its_field(client, alice_and_conversation):
    alice, conversation = alice_and_conversation

    for method, path, body, field in LONE_SURROGATES:
        response = client.as_user(alice, method, path.format(conversation=conversation), json=body)

        error = assert_error(response, 422, "validation_error")
        assert list(error["details"]["fields"]) == [field]


def test_a_surrogate_pair_is_an_ordinary_character(client, alice_and_conversation):
    alice, conversation = alice_and_conversation

    response = client.as_user(alice, "post", f"/conversations/{conversation}/messages",
                              data='{"content": "smile \\ud83d\\ude00"}', content_type="application/json")

    assert response.status_code == 201
    assert response.get_json()["content"] == "smile \U0001F600"


def test_a_login_with_a_body_too_deep_to_read_is_a_400_not_a_500(client):
    # The per-username login limit reads the body before the view does.
    response = client.post("/auth/login", data="[" * 100_000, content_type="application/json")

    assert_error(response, 400, "bad_request")
