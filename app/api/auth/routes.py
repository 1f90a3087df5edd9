import math
import time

from flask_jwt_extended import get_jwt, jwt_required

from app.api.auth.schemas import LoginSchema, LogoutSchema, RegisterSchema, TokensSchema
from app.api.openapi import RATE_LIMIT_HEADERS, error_example, headers, link, on_every_response, produces
from app.api.parser import Blueprint
from app.api.users.schemas import UserSchema
from app.auth import tokens
from app.auth.login_limits import limit_password_attempts
from app.extensions import limiter
from app.services import sessions, users

blp = Blueprint("auth", __name__, url_prefix="/auth", description="Registration and tokens")


@blp.after_request
def _login_limit_headers(response):
    """X-RateLimit-* on every answer of a rate-limited route (login), Retry-After only on its 429.
    flask-limiter's own headers are off: it adds Retry-After to successful logins too."""
    current = limiter.current_limit
    if current is not None:
        response.headers.update({"X-RateLimit-Limit": str(current.limit.amount),
                                 "X-RateLimit-Remaining": str(current.remaining),
                                 "X-RateLimit-Reset": str(current.reset_at)})
        if response.status_code == 429:
            response.headers["Retry-After"] = str(max(math.ceil(current.reset_at - time.time()), 1))
    return response


@blp.route("/register", methods=["POST"])
@blp.arguments(RegisterSchema, example={"username": "alice", "password": "correct horse battery",
                                          "display_name": "Alice"})
@blp.response(201, UserSchema)
@blp.alt_response(409, description="The username is taken (in any letter case)", example=error_example(
    409, details={"fields": {"username": ["already taken"]}}))
@blp.doc(security=[], **produces(user_id="/id", username="/username"))
@blp.doc(**link("conversations_create", [201], body={"participant_ids": ["$response.body#/id"]}))
def register(data):
    """Create an account."""
    return users.register_user(data["username"], data["password"], data.get("display_name"))


@blp.route("/login", methods=["POST"])
@limit_password_attempts
@blp.arguments(LoginSchema, example={"username": "alice", "password": "correct horse battery"})
@blp.response(200, TokensSchema)
@blp.alt_response(401, description="Invalid username or password (the same answer for an unknown username)",
                  example=error_example(401, "invalid_credentials", "invalid username or password"))
@blp.alt_response(429, description="Too many attempts (per IP and per username): retry after Retry-After seconds",
                  example=error_example(429, message="10 per 15 minute"),
                  headers=headers("Retry-After", *RATE_LIMIT_HEADERS))
@blp.doc(security=[], **on_every_response(*RATE_LIMIT_HEADERS))
def login(data):
    """Exchange a username and password for an access and a refresh token."""
    return tokens.issue_tokens(users.authenticate(data["username"], data["password"]))


@blp.route("/refresh", methods=["POST"])
@jwt_required(refresh=True)
@blp.response(200, TokensSchema)
def refresh():
    """A new access token; send the refresh token as the Bearer token."""
    return tokens.refresh_access_token()


@blp.route("/logout", methods=["POST"])
@jwt_required()
@blp.arguments(LogoutSchema, required=False)
@blp.response(204)
def logout(data):
    """Revoke the presented access token (and the refresh token given in the body, if any)."""
    sessions.log_out(get_jwt(), data.get("refresh_token"))
