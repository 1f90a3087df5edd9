"""Ids, wherever they come in, are ASCII digits naming 1 .. 2**63 - 1: anything else names nothing
(a path: 404; a body field: 422), never a 500 and never another id."""
import pytest

BEYOND_BIGINT = 99999999999999999999999


@pytest.fixture
def alice_and_conversation(client):
    alice, bob = client.user("alice"), client.user("bob")
    conversation = client.conversation(alice, bob)
    assert conversation == 1
    return alice, conversation


def test_only_ascii_digits_name_an_id_in_a_path(client, alice_and_conversation):
    alice, _ = alice_and_conversation
    # fullwidth, Arabic-Indic and Devanagari 1; zero; a trailing letter; a sign
    written = ["%EF%BC%91", "%D9%A1", "%E0%A5%A7", "0", "01x", "-1", "+1"]

    statuses = {w: client.as_user(alice, "get", f"/conversations/{w}").status_code for w in written}

    assert statuses == {w: 404 for w in written}


PATHS_WITH_IDS = [
    ("get", "/conversations/{id}"), ("post", "/conversations/{id}/messages"), ("get", "/conversations/{id}/messages"),
    ("patch", "/conversations/{id}/archive"), ("patch", "/messages/{id}/read"), ("delete", "/messages/{id}"),
    ("get", "/users/{id}/presence"), ("delete", "/push/subscriptions/{id}"), ("post", "/conversations/{id}/images"),
    ("get", "/conversations/{id}/messages/search?q=hi"),
]


def test_a_path_id_beyond_bigint_is_a_404_like_any_unknown_id(client, alice_and_conversation):
    alice, _ = alice_and_conversation

    for id_ in (BEYOND_BIGINT, 2**63):
        for method, path in PATHS_WITH_IDS:
            response = client.as_user(alice, method, path.format(id=id_), json={"content": "hi"})

            assert response.status_code == 404, (method, path, id_)
            assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("path, body, field", [
    ("/conversations", {"participant_ids": [BEYOND_BIGINT]}, "participant_ids"),
    ("/conversations/{conversation}/messages", {"image_ids": [2**63]}, "image_ids"),
])
def test_a_body_id_beyond_bigint_is_a_422_naming_the_field(client, alice_and_conversation, path, body, field):
    alice, conversation = alice_and_conversation

    response = client.as_user(alice, "post", path.format(conversation=conversation), json=body)

    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]["fields"]


def test_the_largest_bigint_is_an_ordinary_unknown_id(client, alice_and_conversation):
    alice, _ = alice_and_conversation

    assert client.as_user(alice, "get", f"/conversations/{2**63 - 1}").status_code == 404
    assert client.as_user(alice, "get", "/conversations/1").status_code == 200
