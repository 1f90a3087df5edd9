"""Browser sessions for the admin pages (the queue dashboard and its trigger buttons).

A session is a random id, handed to the browser in a cookie, and a record in Redis under the
SHA-256 of that id (a copy of Redis holds no usable cookie): the admin's user id and the session's
CSRF token, which every form of the dashboard carries and every state-changing request must echo.
Sessions last SESSION_SECONDS from login; logging out deletes the record at once.
"""
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from app.errors import Forbidden
from app.redis_client import get_redis, key
from app.services import users
from app.services.users import require_admin

SESSION_SECONDS = 8 * 3600  # a working day; the admin logs in again after it


@dataclass(frozen=True)
class AdminSession:
    id: str  # the cookie value; never stored
    user_id: int
    csrf_token: str


def _record_key(session_id):
    return key("admin-session", hashlib.sha256(session_id.encode()).hexdigest())


def start_session(username, password):
    """Check the password and the admin flag, then open a session.

    Raises ApiError (401 invalid_credentials) for a wrong username or password, Forbidden if the
    account is not an admin's.
    """
    user = users.authenticate(username, password)
    require_admin(user.id)
    session = AdminSession(secrets.token_urlsafe(32), user.id, secrets.token_urlsafe(32))
    record = json.dumps({"user_id": session.user_id, "csrf_token": session.csrf_token})
    get_redis().set(_record_key(session.id), record, ex=SESSION_SECONDS)
    return session


def current_session(session_id):
    """The open session with this id, or None (unknown, expired or ended). Raises Forbidden if its
    user is no longer an admin (or no longer exists)."""
    if not session_id:
        return None
    raw = get_redis().get(_record_key(session_id))
    if raw is None:
        return None
    record = json.loads(raw)
    require_admin(record["user_id"])
    return AdminSession(session_id, record["user_id"], record["csrf_token"])


def check_csrf(session, token):
    """Raises Forbidden unless `token` is the session's CSRF token (compared in constant time)."""
    if not token or not hmac.compare_digest(token.encode(), session.csrf_token.encode()):
        raise Forbidden("missing or wrong CSRF token: reload the page and try again")


def end_session(session_id):
    """Log out: the session id stops working at once. Ending an unknown session does nothing."""
    if session_id:
        get_redis().delete(_record_key(session_id))
