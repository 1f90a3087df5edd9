"""The contract: /openapi.json says what the server does.

schemathesis generates requests from the document (its examples, boundary and invalid values, random
ones, and sequences that follow the document's links) and checks every answer: never a 5xx, a
documented status, the documented content type, a body that matches the documented schema. It
calls the app in-process (WSGI): the same Flask app as a Gunicorn worker runs, on the suite's real
PostgreSQL and Redis, without a server's ports and timeouts, so a run is repeatable.
"""
import pytest
import schemathesis
from flask_jwt_extended import create_access_token, create_refresh_token
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from tests.helpers import DatabaseSnapshot, request_image_upload

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
# The same requests on every run (derandomize): a failure here is the change's, and reproduces.
# Generated requests are slow next to plain Python values (each goes through the app and PostgreSQL).
RUN_SETTINGS = {"derandomize": True, "database": None, "deadline": None,
                "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much]}
# A browser's PushSubscription.toJSON() (keys: a P-256 point and 16 bytes, base64url).
SUBSCRIPTION = {"endpoint": "https://push.example.com/send/abc", "keys": {
    "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
    "auth": "tBHItJI5svbpez7KI4CCXg"}}


@pytest.fixture
def caller(client, app):
    """The user every generated request comes from: an admin in a direct conversation and a group,
    with messages both ways, an image ticket and a push subscription. Ids start at 1, so the
    document's examples (id 1) name rows that exist."""
    alice, bob, carol = client.user(), client.user(), client.user()
    with app.app_context():
        from app.extensions import db
        from app.models import User

        db.session.get(User, alice.id).is_admin = True
        db.session.commit()
    direct = client.conversation(alice, bob)
    client.conversation(alice, bob, carol, title="team")
    for sender in (alice, bob, alice, bob):
        client.send(sender, direct, f"hello from {sender.username}")
    request_image_upload(client, alice, direct)
    assert client.as_user(alice, "post", "/push/subscriptions", json=SUBSCRIPTION).status_code == 201
    return alice


def authorization(app, user_id, operation):
    """A fresh token for each request: a generated logout revokes only its own. /auth/refresh
    takes a refresh token, every other operation an access token."""
    issue = create_refresh_token if operation.path == "/auth/refresh" else create_access_token
    with app.app_context():
        return {"Authorization": f"Bearer {issue(identity=str(user_id))}"}


@pytest.fixture
def contract(app, caller, request):
    # schemathesis 4.32 renames the running test through `_nodeid`, which pytest 9.2 no longer has.
    request.node._nodeid = request.node.nodeid
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


contract_of_each_operation = schemathesis.pytest.from_fixture("contract")


@contract_of_each_operation.parametrize()
@settings(max_examples=40, **RUN_SETTINGS)
def test_every_operation_answers_as_documented(case, app, caller):
    headers = authorization(app, caller.id, case.operation)
    response = case.call(headers=headers)
    case.validate_response(response, checks=CHECKS, headers=headers)


@pytest.fixture
def linked_operations(app, caller, contract):
    """A state machine over the document's links; each scenario starts from the same rows."""
    snapshot = DatabaseSnapshot.take(app)

    class LinkedOperations(contract.as_state_machine()):
        def setup(self):
            # Same start, same answers: Hypothesis replays scenarios and needs them to repeat.
            snapshot.restore()

        def get_call_kwargs(self, case):
            return {"headers": authorization(app, caller.id, case.operation)}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, headers=kwargs.get("headers"), transport_kwargs=kwargs)

    return LinkedOperations


def test_linked_operations_answer_as_documented(linked_operations):
    linked_operations.run(settings=settings(max_examples=100, stateful_step_count=6, **RUN_SETTINGS))
