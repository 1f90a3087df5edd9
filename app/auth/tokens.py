"""JWT issue, verification hooks and revocation (a blocklist in Redis, checked on every request)."""
import time

from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token, get_jwt_identity

from app.errors import TokenRevoked, error_response
from app.redis_client import get_redis, key


def issue_tokens(user):
    """Access + refresh token pair for `user`, in the shape POST /auth/login returns."""
    identity = str(user.id)
    expires = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    return {
        "access_token": create_access_token(identity=identity),
        "refresh_token": create_refresh_token(identity=identity),
        "token_type": "Bearer",
        "expires_in": int(expires.total_seconds()),
    }


def refresh_access_token():
    """A new access token for the identity of the (already verified) refresh token."""
    expires = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    return {
        "access_token": create_access_token(identity=get_jwt_identity()),
        "token_type": "Bearer",
        "expires_in": int(expires.total_seconds()),
    }


def blocklist(claims):
    """Refuse this token from now until it would have expired anyway (services.sessions.log_out)."""
    ttl = max(int(claims["exp"] - time.time()), 1)
    get_redis().set(revoked_key(claims["jti"]), "1", ex=ttl)


def claims_problem(claims):
    """Why a token with valid signature and type still cannot be used here, or None.

    Logout blocklists by jti until exp, so a token without them (possible from an external identity
    provider) could never be revoked; and `sub` must be one of our user ids.
    """
    if not claims.get("jti") or "exp" not in claims:
        return "jti and exp are required"
    if not str(claims.get("sub", "")).isdigit():
        return "sub must be a user id"
    return None


def revoked_key(jti):
    """The blocklist's entry for a token: present from its revocation until the token's expiry."""
    return key("revoked", jti)


def is_revoked(jti):
    return bool(get_redis().exists(revoked_key(jti)))


def refuse_revoked(jti):
    """Raises TokenRevoked if the token `jti` has been revoked (an event's or a send's check)."""
    if is_revoked(jti):
        raise TokenRevoked("token has been revoked")


def current_user_id():
    return int(get_jwt_identity())


def register(jwt):
    """Hook the blocklist and the error format into flask-jwt-extended."""

    @jwt.token_in_blocklist_loader
    def _revoked(jwt_header, jwt_payload):
        return is_revoked(jwt_payload["jti"])

    @jwt.token_verification_loader
    def _usable(jwt_header, jwt_payload):
        return claims_problem(jwt_payload) is None

    def unauthorized(message):
        return error_response(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})

    jwt.unauthorized_loader(lambda reason: unauthorized(reason))
    jwt.invalid_token_loader(lambda reason: unauthorized(f"invalid token: {reason}"))
    jwt.expired_token_loader(lambda header, payload: unauthorized("token has expired"))
    jwt.revoked_token_loader(lambda header, payload: unauthorized("token has been revoked"))
    jwt.token_verification_failed_loader(
        lambda header, payload: unauthorized(f"invalid token: {claims_problem(payload)}"))
    jwt.needs_fresh_token_loader(lambda header, payload: unauthorized("fresh token required"))
    jwt.user_lookup_error_loader(lambda header, payload: unauthorized("user not found"))
