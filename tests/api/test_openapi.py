"""The rules that keep /openapi.json true (app/api/openapi.py); tests/api/test_contract.py checks
the generated answers against it."""
import re
from pathlib import Path

import pytest

ERROR_REF = {"$ref": "#/components/schemas/Error"}


@pytest.fixture
def spec(client):
    return client.get("/openapi.json").get_json()


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield path, method, operation


def test_every_error_response_has_the_one_error_body_and_there_is_no_catch_all(spec):
    for path, method, operation in operations(spec):
        assert "default" not in operation["responses"], (method, path)
        for status, response in operation["responses"].items():
            if status[0] in "45" and operation["operationId"] != "health_readiness":
                assert response["content"]["application/json"]["schema"] == ERROR_REF, (method, path, status)
                assert "error" in response["content"]["application/json"]["example"]


def test_every_operation_has_its_own_operation_id_and_the_document_names_its_server(spec):
    ids = [operation["operationId"] for _, _, operation in operations(spec)]

    assert len(ids) == len(set(ids))
    assert spec["servers"] == [{"url": "/", "description": "The server that serves this document"}]


def test_an_operation_is_documented_as_authenticated_exactly_when_it_refuses_a_request_without_token(spec, client):
    for path, method, operation in operations(spec):
        response = getattr(client, method)(re.sub(r"\{\w+\}", "1", path))
        secured = operation.get("security") != []

        assert (response.status_code == 401) == secured, (method, path, response.get_json())
        assert ("401" in operation["responses"]) == secured or operation["operationId"] == "auth_login"
        if secured:
            assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("status, method, path, body", [
    ("400", "post", "/conversations", "{not json"),
    ("404", "get", "/conversations/99", None),
    ("413", "post", "/conversations", '{"title": "' + "x" * 300_000 + '"}'),
    ("422", "get", "/conversations?limit=0", None),
])
def test_the_documented_error_example_is_what_the_server_answers(spec, client, status, method, path, body):
    user = client.user()
    operation = spec["paths"][path.split("?")[0].replace("99", "{conversation_id}")][method]

    response = client.as_user(user, method, path, data=body, content_type="application/json")

    assert response.status_code == int(status)
    example = operation["responses"][status]["content"]["application/json"]["example"]
    assert response.get_json()["error"]["code"] == example["error"]["code"]
    if status != "404":  # the example names a conversation; the message is the same for every 404 of it
        assert response.get_json() == example


def test_links_lead_from_a_created_resource_to_the_operations_that_take_its_id(spec):
    created = spec["paths"]["/conversations"]["post"]["responses"]["201"]["links"]

    assert created["conversations_show"] == {"operationId": "conversations_show",
                                             "parameters": {"conversation_id": "$response.body#/id"}}
    assert {"conversations_history", "conversations_archive", "images_request_upload"} <= set(created)
    sent = spec["paths"]["/conversations/{conversation_id}/messages"]["post"]["responses"]["201"]["links"]
    assert set(sent) == {"messages_mark_read", "messages_delete", "messages_edit", "messages_history",
                         "messages_react", "messages_unreact", "messages_receipts"}


def test_the_sending_limit_headers_that_are_documented_are_sent(spec, client):
    alice, bob = client.user(), client.user()
    conversation = client.conversation(alice, bob)
    documented = spec["paths"]["/conversations/{conversation_id}/messages"]["post"]["responses"]["201"]["headers"]

    response = client.as_user(alice, "post", f"/conversations/{conversation}/messages", json={"content": "hi"})

    assert set(documented) <= set(response.headers.keys())


def test_docs_api_md_error_table_lists_every_documented_status_and_code(spec):
    table = set(re.findall(r"^\| (\d{3}) \| `(\w+)` \|",
                           (Path(__file__).resolve().parents[2] / "docs/api.md").read_text(), re.M))
    documented = {(status, response["content"]["application/json"]["example"]["error"]["code"])
                  for _, _, operation in operations(spec) if operation["operationId"] != "health_readiness"
                  for status, response in operation["responses"].items() if status[0] in "45"}

    assert documented <= table, documented - table


def test_the_login_limit_answers_the_documented_example_with_its_headers(spec, client):
    documented = spec["paths"]["/auth/login"]["post"]["responses"]["429"]
    client.user("limited")  # logs in once: 9 more attempts reach the limit of 10 per username

    answers = [client.post("/auth/login", json={"username": "limited", "password": "wrong"}) for _ in range(10)]

    assert [a.status_code for a in answers] == [401] * 9 + [429]
    for answer in answers:
        documented_here = spec["paths"]["/auth/login"]["post"]["responses"][str(answer.status_code)]["headers"]
        assert set(documented_here) - {"Retry-After"} <= set(answer.headers.keys())
    assert answers[-1].get_json() == documented["content"]["application/json"]["example"]
    assert set(documented["headers"]) <= set(answers[-1].headers.keys())


def test_the_dashboard_documents_its_cookie_session_and_the_redirect_a_browser_without_login_gets(spec, client):
    operation = spec["paths"]["/admin/queues"]["get"]

    response = client.get("/admin/queues", headers={"Accept": "text/html"})

    assert {"adminSession": []} in operation["security"]
    assert spec["components"]["securitySchemes"]["adminSession"] == {
        "type": "apiKey", "in": "cookie", "name": "admin_session"}
    assert response.status_code == 302
    assert response.mimetype in operation["responses"]["302"]["content"]
    assert response.headers["Location"].endswith("/admin/login")
    assert "Location" in operation["responses"]["302"]["headers"]


def test_finding_a_user_by_username_links_to_starting_a_conversation_with_them(spec):
    found = spec["paths"]["/users/by-username/{username}"]["get"]["responses"]["200"]["links"]
    registered = spec["paths"]["/auth/register"]["post"]["responses"]["201"]["links"]

    assert found["conversations_create"]["requestBody"] == {"participant_ids": ["$response.body#/id"]}
    assert registered["users_by_username"]["parameters"] == {"username": "$response.body#/username"}
