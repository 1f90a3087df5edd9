"""One error type for the domain and one JSON error body for every failure.

Body: {"error": {"code": "<machine code>", "message": "<human text>", "details": {...}?}}
The Socket.IO acknowledgement uses the same {"code", "message"} pair.
"""
import logging

import redis
import sqlalchemy.exc
from flask import jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


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
        body = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


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


class RateLimited(ApiError):
    status, code = 429, "rate_limited"


class ServiceUnavailable(ApiError):
    status, code = 503, "service_unavailable"


def error_response(status, code, message, details=None, headers=None):
    body = {"code": code, "message": message}
    if details:
        body["details"] = details
    response = jsonify(error=body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _http_code(exc):
    return (exc.name or "error").lower().replace(" ", "_")


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
        code = "validation_error" if exc.code == 422 else "bad_request"
        if set(fields) == {"_schema"}:  # e.g. a body that is not JSON at all
            return error_response(exc.code, code, " ".join(fields["_schema"]))
        names = ", ".join(sorted(fields))
        return error_response(exc.code, code, f"invalid fields: {names}", {"fields": fields})
    headers = dict(exc.get_response().headers) if exc.code in (405, 429) else {}
    headers.pop("Content-Type", None)
    headers.pop("Content-Length", None)
    # flask-limiter's 429 (login attempts) carries the same code as the sending limit's.
    code = "rate_limited" if exc.code == 429 else _http_code(exc)
    return error_response(exc.code, code, exc.description or exc.name, headers=headers)


def handle_database_down(exc):
    log.warning("database unavailable: %s", exc.__class__.__name__)
    return error_response(503, "service_unavailable", "database unavailable, retry shortly",
                          headers={"Retry-After": "1"})


def handle_redis_down(exc):
    log.warning("redis unavailable: %s", exc.__class__.__name__)
    return error_response(503, "service_unavailable", "redis unavailable, retry shortly",
                          headers={"Retry-After": "1"})


def handle_unexpected(exc):
    log.exception("unhandled error")
    return error_response(500, "internal_error", "internal server error")


def register_errorhandlers(app):
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(sqlalchemy.exc.OperationalError, handle_database_down)
    app.register_error_handler(sqlalchemy.exc.InterfaceError, handle_database_down)
    app.register_error_handler(redis.exceptions.ConnectionError, handle_redis_down)
    app.register_error_handler(redis.exceptions.TimeoutError, handle_redis_down)
    app.register_error_handler(Exception, handle_unexpected)
