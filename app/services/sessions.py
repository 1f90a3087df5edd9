"""Logging out, and the sockets opened with each token, so that logging out ends them too.

`socket:token:<jti>` holds the sids connected with an access token, on whichever realtime process
holds them (realtime.connections adds and removes them); it expires with the token.
"""
from flask_jwt_extended import decode_token
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt import PyJWTError

from app.auth import tokens
from app.errors import ValidationFailed
from app.redis_client import get_redis, key
from app.services import events

# The set outlives its token by this much, so a connect in the token's last second is still listed.
SOCKETS_GRACE_SECONDS = 60


def socket_opened(jti, sid, expires_at):
    """A socket connected with the access token `jti` (which expires at unix time `expires_at`)."""
    tokens_key = key("socket", "token", jti)
    pipe = get_redis().pipeline(transaction=False)
    pipe.sadd(tokens_key, sid)
    pipe.expireat(tokens_key, int(expires_at) + SOCKETS_GRACE_SECONDS)
    pipe.execute()


def sockets_closed(closed, batch=1000):
    """Sockets closed: `closed` lists (access token jti, sid), `batch` of them per round trip."""
    redis = get_redis()
    for start in range(0, len(closed), batch):
        pipe = redis.pipeline(transaction=False)
        for jti, sid in closed[start:start + batch]:
            pipe.srem(key("socket", "token", jti), sid)
        pipe.execute()


def log_out(access_claims, refresh_token=None):
    """Revoke the presented access token and, if given and the caller's own, a refresh token; every
    socket opened with the access token is disconnected now.

    Raises ValidationFailed (refresh_token) for a token we cannot verify; nothing is revoked then.
    """
    refresh_claims = {}
    if refresh_token:
        try:
            refresh_claims = decode_token(refresh_token, allow_expired=True)
        except (PyJWTError, JWTExtendedException):
            raise ValidationFailed("refresh_token", "not a valid token")
    tokens.blocklist(access_claims)
    sids = get_redis().smembers(key("socket", "token", access_claims["jti"]))
    if sids:
        events.session_ended(int(access_claims["sub"]), sorted(sids), "token_revoked")
    if refresh_claims.get("type") == "refresh" and refresh_claims["sub"] == access_claims["sub"]:
        tokens.blocklist(refresh_claims)
