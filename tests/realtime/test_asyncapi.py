"""The AsyncAPI document of /messaging (app/realtime/asyncapi.json) is valid AsyncAPI 3, describes
every event the namespace handles or emits, and what real clients receive matches it."""
import ast
import json
import re
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from app.realtime import ASYNCAPI_DOCUMENT
from app.realtime.namespace import MessagingNamespace

ROOT = Path(__file__).resolve().parents[2]
OFFICIAL_SCHEMA = ROOT / "tests/vendor/asyncapi/3.0.0.json"
# Socket.IO's own names: they reach on_connect / on_disconnect, never as events a client sends.
LIFECYCLE = {"connect", "disconnect"}


@pytest.fixture(scope="module")
def document():
    return json.loads(ASYNCAPI_DOCUMENT.read_text())


def event_names(document, action):
    """The Socket.IO event names of the operations with this action (receive: client -> server)."""
    names = set()
    for operation in document["operations"].values():
        if operation["action"] == action:
            for ref in operation["messages"]:
                names.add(resolve(document, ref)["name"])
    return names


def resolve(document, ref):
    """Follow a local $ref ("#/a/b") through the document, including refs to refs."""
    node = document
    for part in ref["$ref"].removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return resolve(document, node) if "$ref" in node else node


def emitted_event_names():
    """Every event name the app emits: the first argument of each emit_to_users(...) / ....emit(...)
    call under app/. It must be a string literal, so it can be checked here, unless the call only
    forwards a parameter of its function (emit_to_users itself: its callers are checked)."""
    names = {}
    for path in (ROOT / "app").rglob("*.py"):
        for function in ast.walk(ast.parse(path.read_text())):
            if not isinstance(function, ast.FunctionDef):
                continue
            parameters = {arg.arg for arg in function.args.args}
            for node in ast.walk(function):
                if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) in (
                        "emit", "emit_to_users"):
                    first = node.args[0] if node.args else None
                    if isinstance(first, ast.Name) and first.id in parameters:
                        continue
                    assert isinstance(first, ast.Constant), f"{path}:{node.lineno}: name the emitted event literally"
                    names[first.value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return names


def test_the_document_is_valid_against_the_official_asyncapi_3_schema(document):
    validator = jsonschema.Draft7Validator(json.loads(OFFICIAL_SCHEMA.read_text()))

    errors = [f"{error.json_path}: {error.message[:200]}" for error in validator.iter_errors(document)]

    assert errors == []
    assert document["asyncapi"] == "3.0.0"


def test_every_reference_in_the_document_resolves(document):
    refs = re.findall(r'"\$ref": "(#[^"]*)"', json.dumps(document))

    assert refs
    for ref in refs:
        resolve(document, {"$ref": ref})


def test_it_is_served_as_kept(client):
    response = client.get("/asyncapi.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_data() == ASYNCAPI_DOCUMENT.read_bytes()


def test_every_event_the_namespace_handles_is_described_with_its_acknowledgement(document):
    handled = {name[3:] for name in dir(MessagingNamespace) if name.startswith("on_")} - LIFECYCLE

    assert event_names(document, "receive") == handled
    for operation in document["operations"].values():
        if operation["action"] == "receive":
            assert operation["reply"]["messages"], operation


def test_every_event_the_app_emits_is_described(document):
    emitted = emitted_event_names()

    assert set(emitted) <= event_names(document, "send"), emitted
    assert event_names(document, "send") <= set(emitted)  # nothing described that is never sent


def openapi_to_json_schema(schema):
    """An OpenAPI 3.0 schema as JSON Schema (draft 07): `nullable` becomes a "null" type."""
    if isinstance(schema, list):
        return [openapi_to_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: openapi_to_json_schema(value) for key, value in schema.items() if key != "nullable"}
    if schema.get("nullable"):
        converted["type"] = [schema["type"], "null"]
    return converted


@pytest.mark.parametrize("name", ["Message", "ReplyTo", "Reaction", "SystemEvent", "PublicUser", "Image",
                                  "ReadPosition", "Participant"])
def test_objects_shared_with_the_rest_api_are_described_alike(document, client, name):
    openapi = client.get("/openapi.json").get_json()

    assert document["components"]["schemas"][name] == openapi_to_json_schema(openapi["components"]["schemas"][name])


def test_send_message_takes_the_rest_body_plus_the_conversation(document, client):
    rest_body = client.get("/openapi.json").get_json()["components"]["schemas"]["SendMessage"]
    socket_body = resolve(document, {"$ref": "#/components/messages/SendMessage"})["payload"]

    assert {k: v for k, v in socket_body["properties"].items() if k != "conversation_id"} == \
        openapi_to_json_schema(rest_body["properties"])
    assert socket_body["required"] == ["conversation_id"]


def test_websocket_md_lists_exactly_the_described_events(document):
    text = (ROOT / "docs/websocket.md").read_text()
    sections = {section.split("\n", 1)[0]: re.findall(r"^\| `(\w+)` \|", section, re.M)
                for section in text.split("\n## ")}

    assert set(sections["Client → server events"]) == event_names(document, "receive")
    assert set(sections["Server → client events"]) == event_names(document, "send")


class PayloadChecker:
    """Validates payloads against the document's message schemas (its $refs resolve inside it)."""

    def __init__(self, document):
        self.document = document
        self.registry = Registry().with_resource("urn:asyncapi", Resource.from_contents(document, DRAFT7))

    def _message_key(self, name):
        return next(key for key, message in self.document["components"]["messages"].items()
                    if message["name"] == name)

    def check(self, name, payload):
        schema = {"$ref": f"urn:asyncapi#/components/messages/{self._message_key(name)}/payload"}
        jsonschema.Draft7Validator(schema, registry=self.registry,
                                   format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER).validate(payload)


def test_what_real_clients_send_and_receive_matches_the_document(document, api, connect):
    payloads = PayloadChecker(document)
    alice, bob = api.user(), api.user()
    conversation_id = api.conversation(alice, bob)
    bob_socket = connect(bob, "rt2")
    alice_socket = connect(alice, "rt1")
    calls = [
        (alice_socket, "join_conversation", {"conversation_id": conversation_id}),
        (alice_socket, "join_conversation", {"conversation_id": 10**9}),  # an error acknowledgement
        (alice_socket, "typing_start", {"conversation_id": conversation_id}),
        (alice_socket, "typing_stop", {"conversation_id": conversation_id}),
        (alice_socket, "heartbeat", {"status": "away"}),
        (alice_socket, "heartbeat", {}),
        (alice_socket, "send_message", {"conversation_id": conversation_id, "content": "hi", "client_message_id": "a1"}),
    ]
    for socket, event, payload in calls:
        payloads.check(event, payload)
        payloads.check(f"{event} acknowledgement", socket.call(event, payload))
    message = bob_socket.wait_for("message_received")["message"]
    for event in ("mark_delivered", "mark_read"):
        payloads.check(f"{event} acknowledgement", bob_socket.call(event, {"message_id": message["id"]}))
    api.react(alice, message["id"], "👍")
    api.ok(alice, "delete", f"/messages/{message['id']}/reactions/%F0%9F%91%8D")
    api.ok(alice, "patch", f"/messages/{message['id']}", json={"content": "hi, @bob"})
    group, carol = api.conversation(alice, bob, title="team"), api.user()
    api.add(alice, group, carol)
    api.ok(alice, "patch", f"/conversations/{group}/participants/{bob.id}", json={"role": "admin"})
    api.ok(alice, "patch", f"/conversations/{group}", json={"title": "crew"})
    api.ok(bob, "delete", f"/conversations/{group}/participants/{bob.id}")
    bob_socket.wait_for("participant_removed")
    api.as_user(alice, "delete", f"/messages/{message['id']}")
    bob_socket.wait_for("message_deleted")
    alice_socket.wait_for("message_read")
    alice_socket.close()
    bob_socket.wait_for("user_offline")
    api.as_user(bob, "post", "/auth/logout")
    bob_socket.wait_for("session_ended")

    received = alice_socket.seen + bob_socket.seen
    for event, payload in received:
        payloads.check(event, payload)
    # resync follows a Redis outage: tests/realtime/test_catch_up.py checks it.
    assert {event for event, _ in received} == event_names(document, "send") - {"resync"}
