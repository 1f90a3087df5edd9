"""One error type for the domain and one JSON error body for every failure.

Body: {"error": {"code": "<machine code>", "message": "<human text>", "details": {...}?,
"request_id": "..."?}}; request_id only on 5xx answers over HTTP (app/request_observer.py).
The Socket.IO acknowledgement carries the same object: {"ok": false, "error": {...}}.
`error_body` builds that object, for every door (REST, Socket.IO, the server's own errors).
"""
import logging

import marshmallow
import redis
import sqlalchemy.exc
from flask import jsonify
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

import log_format
from app import metrics, outages

log = logging.getLogger(__name__)

DATABASE_ERRORS = (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError)
REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def error_body(code, message, details=None, request_id=None):
    """The error object: {"code", "message", "details"?, "request_id"?}; `details` only when there is
    something in it; `request_id` is given for 5xx answers only, so a user's report of one can be
    matched to its log lines."""
    body = {"code": code, "message": message}
    if details:
        body["details"] = details
    if request_id:
        body["request_id"] = request_id
    return body


def redis_pool_timeout(exc):
    """Whether `exc` is a wait for a pooled Redis connection that timed out (REDIS_POOL_SIZE in use
    for POOL_TIMEOUT_SECONDS, app/redis_client.py): this process is overloaded, Redis is not
    unreachable. redis-py's blocking pool raises a plain ConnectionError for it, told by its message."""
    return isinstance(exc, redis.exceptions.ConnectionError) and exc.args == ("No connection available.",)


def dependency_of(exc):
    """"postgres" or "redis" when `exc` says that dependency is unreachable, else None. A pool
    timeout is not one: the dependency answers, this process has too much to ask of it."""
    if redis_pool_timeout(exc):
        return None
    for errors, name in ((DATABASE_ERRORS, "postgres"), (REDIS_ERRORS, "redis")):
        if isinstance(exc, errors):
            return name
    return None


class ApiError(Exception):
    """A failure the caller can act on. Services raise it; both doors translate it."""

    status = 400
    code = "bad_request"

    def __init__(self, message, *, code=None, status=None, details=None, headers=None):
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.status = status or self.status
        self.details = details
        self.headers = headers or {}

    def to_dict(self):
        return error_body(self.code, self.message, self.details)


class NotFound(ApiError):
    status, code = 404, "not_found"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class Conflict(ApiError):
    status, code = 409, "conflict"


class ValidationFailed(ApiError):
    """Input that passed the schema but breaks a rule; details name the field."""

    status, code = 422, "validation_error"

    def __init__(self, field, message):
        super().__init__(f"{field}: {message}", details={"fields": {field: [message]}})


class InvalidFields(ApiError):
    """Input that a schema refused; `fields` maps each field to its messages."""

    status, code = 422, "validation_error"

    def __init__(self, fields):
        super().__init__("invalid fields: " + ", ".join(sorted(fields)), details={"fields": fields})


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"
    reason = "unauthorized"  # what session_ended says when this ends a live connection


class TokenExpired(Unauthorized):
    reason = "token_expired"


class TokenRevoked(Unauthorized):
    reason = "token_revoked"


class RateLimited(ApiError):
    status, code = 429, "rate_limited"


class ServiceUnavailable(ApiError):
    status, code = 503, "service_unavailable"


class InternalError(ApiError):
    """A bug. The caller learns nothing more; the log has the traceback."""

    status, code = 500, "internal_error"

    def __init__(self):
        super().__init__("internal server error")


def as_api_error(exc):
    """What the caller is told about `exc`, whichever door it came through (see `translate`); a
    dependency found unreachable is reported to app/outages.py, a pool timeout counted."""
    if isinstance(exc, sqlalchemy.exc.TimeoutError):
        metrics.DB_POOL_TIMEOUTS.inc()
    elif redis_pool_timeout(exc):
        metrics.REDIS_POOL_TIMEOUTS.inc()
    dependency = dependency_of(exc)
    if dependency:
        outages.lost(dependency, exc)
    return translate(exc)


def translate(exc):
    """The ApiError that stands for `exc`, with no side effect.

    Schema errors name the fields; PostgreSQL or Redis being unreachable, or no pooled database or
    Redis connection free in time, is a 503 to retry shortly; anything unexpected is an
    InternalError (the caller logs it).
    """
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, marshmallow.ValidationError):
        return InvalidFields(exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages})
    if isinstance(exc, sqlalchemy.exc.TimeoutError):
        return ServiceUnavailable("database busy, retry shortly", headers={"Retry-After": "1"})
    if redis_pool_timeout(exc):
        return ServiceUnavailable("server busy, retry shortly", headers={"Retry-After": "1"})
    dependency = dependency_of(exc)
    if dependency:
        return ServiceUnavailable(f"{'database' if dependency == 'postgres' else dependency} unavailable, "
                                  "retry shortly", headers={"Retry-After": "1"})
    return InternalError()


def error_response(status, code, message, details=None, headers=None):
    request_id = log_format.bound("request_id") if status >= 500 else None
    response = jsonify(error=error_body(code, message, details, request_id))
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def status_code_name(status):
    """The error code of an HTTP status without one of ours: 413 -> "request_entity_too_large"."""
    return HTTP_STATUS_CODES.get(status, "error").lower().replace(" ", "_")


def handle_api_error(exc):
    return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)


def handle_http_exception(exc):
    """Flask's and webargs' own errors (404, 405, 413, 422 from schema validation ...)."""
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages")
    if messages:
        # webargs puts schema errors under their location ("json", "query", ...).
        fields = {}
        for location_errors in messages.values():
            fields.update(location_errors if isinstance(location_errors, dict) else {"_schema": location_errors})
        if set(fields) == {"_schema"}:  # e.g. a body that is not JSON at all
            code = "validation_error" if exc.code == 422 else "bad_request"
            return error_response(exc.code, code, " ".join(fields["_schema"]))
        return handle_api_error(InvalidFields(fields))  # webargs names fields only for 422s
    # flask-limiter's 429 (login attempts) has the sending limit's code; its headers: api/auth/routes.py.
    code = "rate_limited" if exc.code == 429 else status_code_name(exc.code)
    headers = {"Allow": exc.get_response().headers["Allow"]} if exc.code == 405 else {}
    return error_response(exc.code, code, exc.description or exc.name, headers=headers)


def handle_dependency_down(exc):
    """PostgreSQL or Redis unreachable, or no pooled database connection free in time: 503."""
    return handle_api_error(as_api_error(exc))


def handle_unexpected(exc):
    log.exception("unhandled error")
    return handle_api_error(InternalError())


def register_errorhandlers(app):
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    for dependency_error in DATABASE_ERRORS + REDIS_ERRORS + (sqlalchemy.exc.TimeoutError,):
        app.register_error_handler(dependency_error, handle_dependency_down)
    app.register_error_handler(Exception, handle_unexpected)
