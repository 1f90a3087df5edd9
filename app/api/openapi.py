"""The OpenAPI document at /openapi.json, kept true by rules rather than by hand.

flask-smorest documents what each route's decorators say (its body, query arguments and success
responses). What the app's shared machinery does to every request is added here, by one rule per
cause, so a new route is documented right without anyone remembering to:

- every operation that is not public (`@blp.doc(security=[])`) answers 401 to a missing, invalid,
  expired or revoked token, and 503 when Redis (the revocation list) or PostgreSQL is down;
- every operation with a JSON body answers 400 (not JSON), 413 (too large) and 422 (a field
  breaks a rule), and 503 (it stores something);
- every operation with query arguments answers 422; every one with a path id answers 404;
- every operation may answer 500 (a bug; the body still has the error shape).

Every error response, these and those a route declares itself with `@blp.alt_response(status,
description=...)` (403, 409, 429 ...), gets the one error body, `Error`, and an example of it.
Routes name what their responses hold for other operations with `produces(...)`; the document then
links them to every operation taking that id in its path (clients and the contract tests follow
these links); `link(...)` adds a link that sends a body. `on_every_response(...)` documents
headers that every answer of an operation carries.
"""
from dataclasses import dataclass

import flask_smorest
from apispec import BasePlugin
from marshmallow import Schema, fields
from werkzeug.routing import IntegerConverter

from app.errors import Conflict, Forbidden, NotFound, RateLimited, ServiceUnavailable, ValidationFailed, error_body

# Ids are PostgreSQL bigints.
ID_MAX = 2**63 - 1


class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={
        "description": "Machine-readable; the table in docs/api.md#errors lists every code"})
    message = fields.String(required=True, metadata={"description": "For people; names what is wrong"})
    details = fields.Dict(metadata={
        "description": "Present when there is more to say: `fields` (each offending field or query "
                       "parameter with its messages) for input errors, `retry_after` (seconds) for 429"})


class ErrorSchema(Schema):
    """Every error, from every layer of the API, has this body."""

    error = fields.Nested(ErrorBodySchema, required=True)


def _header(description, schema_type="integer"):
    return {"description": description, "schema": {"type": schema_type}}


HEADERS = {
    "Retry-After": _header("Seconds to wait before retrying"),
    "X-RateLimit-Limit": _header("Requests allowed per window"),
    "X-RateLimit-Remaining": _header("Requests left in the current window"),
    "X-RateLimit-Reset": _header("When the current window ends (Unix time, seconds)"),
    "WWW-Authenticate": _header("Always `Bearer`", "string"),
}
RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def headers(*names):
    """References to the shared headers, for `headers=` of a response decorator."""
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


@dataclass(frozen=True)
class ErrorStatus:
    """What a status means when a route says nothing more, and an example of its real body."""

    description: str
    code: str
    message: str
    details: dict | None = None
    headers: tuple = ()


ERRORS = {
    400: ErrorStatus("The body is not JSON the service can read: malformed, not UTF-8, nested too deeply, or a "
                     "number with too many digits (`message` says which)", "bad_request",
                     "invalid JSON body: Expecting property name enclosed in double quotes at position 1"),
    401: ErrorStatus("Missing, invalid, expired or revoked access token", "unauthorized", "token has been revoked",
                     headers=("WWW-Authenticate",)),
    403: ErrorStatus("Not allowed for you", Forbidden.code, "only the sender may delete a message"),
    404: ErrorStatus("Not found, or not yours: the two are indistinguishable on purpose", NotFound.code,
                     "conversation not found"),
    409: ErrorStatus("Conflicts with what is stored", Conflict.code, "username is already taken"),
    413: ErrorStatus("The body is larger than MAX_REQUEST_BYTES (256 KiB by default)", "request_entity_too_large",
                     "The data value transmitted exceeds the capacity limit."),
    416: ErrorStatus("The Range asked for lies outside the file", "requested_range_not_satisfiable",
                     "The server cannot provide the requested range."),
    422: ErrorStatus("A field or query parameter breaks a rule, or holds a string that is not Unicode text (a lone "
                     "surrogate); `details.fields` names each one",
                     ValidationFailed.code, "invalid fields: limit", {"fields": {"limit": [
                         "Must be greater than or equal to 1 and less than or equal to 100."]}}),
    429: ErrorStatus("Rate limit reached: retry after Retry-After seconds", RateLimited.code,
                     "sending limit of 100 messages per 3600 s reached", {"retry_after": 36},
                     ("Retry-After",) + RATE_LIMIT_HEADERS),
    500: ErrorStatus("A bug (logged); the body never carries a traceback, but the request's id", "internal_error",
                     "internal server error"),
    503: ErrorStatus("PostgreSQL, Redis or S3 is unreachable right now: retry after Retry-After seconds",
                     ServiceUnavailable.code, "database unavailable, retry shortly", headers=("Retry-After",)),
}


def error_example(status, code=None, message=None, details=None):
    """The error body `status` has, as the server writes it: the usual one, or the code, message and
    details given (a route's own case of that status)."""
    usual = ERRORS[status]
    if code is None and message is None and details is None:
        code, message, details = usual.code, usual.message, usual.details
    request_id = "4bf92f3577b34da6a3ce929d0e0e4736" if status >= 500 else None
    return {"error": error_body(code or usual.code, message or usual.message, details, request_id)}


def produces(**pointers):
    """`@blp.doc(**produces(conversation_id="/id"))`: the operation's success bodies hold, at each
    JSON pointer, an id that the operations with that path parameter take."""
    return {"x-produces": pointers}


def on_every_response(*header_names):
    """`@blp.doc(**on_every_response(...))`: every response of the operation carries these shared
    headers (flask-limiter adds its X-RateLimit-* to each answer of a limited route)."""
    return {"x-headers": header_names}


def link(target, statuses, parameters=None, body=None):
    """`@blp.doc(**link(...))`: an OpenAPI link from the `statuses` responses to operation `target`,
    for what `produces` cannot say (a body to send). It replaces the link `produces` would make."""
    definition = {"operationId": target}
    if parameters:
        definition["parameters"] = parameters
    if body is not None:
        definition["requestBody"] = body
    return {"responses": {status: {"links": {target: definition}} for status in statuses}}


def _is_error(status):
    return str(status)[0] in "45"


class ContractPlugin(BasePlugin):
    """Applies the rules of this module's docstring to each operation as flask-smorest registers it."""

    def init_spec(self, spec):
        """Called for each app's document: links never cross from one document to another."""
        super().init_spec(spec)
        self._producers = []  # (operationId, {status: response}, {parameter: pointer})
        self._consumers = {}  # path parameter -> [operationId]
        for name, header in HEADERS.items():
            spec.components.header(name, header)

    def operation_helper(self, path, operations, rule=None, **kwargs):
        for method, operation in operations.items():
            operation.setdefault("operationId", self._operation_id(rule, method, operations))
            self._document_errors(path, operation)
            self._link(path, operation)

    @staticmethod
    def _operation_id(rule, method, operations):
        name = rule.endpoint.replace(".", "_")
        return name if len(operations) == 1 else f"{name}_{method}"

    @staticmethod
    def _document_errors(path, operation):
        responses = operation.setdefault("responses", {})
        responses.pop("default", None)
        secured = operation.get("security") != []
        has_body = "requestBody" in operation
        has_query = any(p.get("in") == "query" for p in operation.get("parameters", []) if isinstance(p, dict))
        statuses = {500}
        if secured:
            statuses |= {401, 503}
        if has_body:
            statuses |= {400, 413, 422, 503}
        if has_query:
            statuses.add(422)
        if "{" in path:
            statuses.add(404)
        for status in statuses:
            # flask-smorest refers 422 to its own (untrue) error response: ours replaces it.
            if not isinstance(responses.get(status), dict):
                responses[status] = _rule_response(status)
        for status, response in responses.items():
            if _is_error(status) and "schema" not in response.get("content", {}).get("application/json", {}):
                _complete_error_response(int(status), response)
            for name, header in headers(*operation.get("x-headers", ())).items():
                response.setdefault("headers", {}).setdefault(name, header)
        operation.pop("x-headers", None)

    def _link(self, path, operation):
        operation_id = operation["operationId"]
        pointers = operation.pop("x-produces", None)
        if pointers:
            successes = {status: response for status, response in operation["responses"].items()
                         if str(status).startswith("2") and isinstance(response, dict) and "content" in response}
            self._producers.append((operation_id, successes, pointers))
            for parameter, pointer in pointers.items():
                for consumer in self._consumers.get(parameter, ()):
                    _add_link(successes, consumer, parameter, pointer)
        for parameter in _path_parameters(path):
            self._consumers.setdefault(parameter, []).append(operation_id)
            for producer, successes, pointers in self._producers:
                if parameter in pointers and producer != operation_id:
                    _add_link(successes, operation_id, parameter, pointers[parameter])


def _rule_response(status):
    """A status a rule adds, with the headers the shared error handlers send with it."""
    response = {"description": ERRORS[status].description}
    if ERRORS[status].headers:
        response["headers"] = headers(*ERRORS[status].headers)
    return response


def _complete_error_response(status, response):
    """Give an error response the error body, and an example of it unless the route gave one."""
    media = response.setdefault("content", {}).setdefault("application/json", {})
    media["schema"] = "Error"
    if "example" not in media and "examples" not in media and status in ERRORS:
        media["example"] = error_example(status)


def _add_link(successes, target, parameter, pointer):
    for response in successes.values():
        response.setdefault("links", {}).setdefault(target, {
            "operationId": target, "parameters": {parameter: f"$response.body#{pointer}"}})


def _path_parameters(path):
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


def _id_parameter(converter):
    """An <int:...> path parameter: an id."""
    return {"type": "integer", "minimum": 0, "maximum": ID_MAX, "example": 1}


class Api(flask_smorest.Api):
    """flask-smorest's Api with our error body and the rules above."""

    ERROR_SCHEMA = ErrorSchema
    # No catch-all `default` response: each operation lists the statuses it really answers.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def __init__(self, app=None, **kwargs):
        super().__init__(app, spec_kwargs={"extra_plugins": [ContractPlugin()]}, **kwargs)
        self.register_converter(IntegerConverter, _id_parameter)


# Unbound, like the instances in app/extensions.py; create_app() initialises it.
openapi = Api()
