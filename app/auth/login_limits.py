"""Limits on password attempts, shared by every door that checks a password (POST /auth/login and
the admin dashboard's login form): attempts through either count against the same two counters."""
from flask import current_app, request
from werkzeug.exceptions import HTTPException

from app.extensions import limiter


def _attempted_username():
    """Rate-limit key: the username being tried (JSON body or form), whatever IP it comes from."""
    try:
        source = request.get_json(silent=True) if request.is_json else request.form
    except HTTPException:
        # A body over MAX_REQUEST_BYTES: the view answers 413. Raised here, flask-limiter would take
        # it for its storage failing and fall back to per-process counters.
        source = None
    username = source.get("username") if hasattr(source, "get") else None
    return f"login-user:{str(username or '').lower()[:64]}"


def limit_password_attempts(view):
    """LOGIN_RATE_LIMIT_PER_IP per client address and LOGIN_RATE_LIMIT_PER_USERNAME per username tried;
    past either the request is refused with 429 before the password is checked."""
    per_ip = limiter.shared_limit(lambda: current_app.config["LOGIN_RATE_LIMIT_PER_IP"], scope="login-ip")
    per_username = limiter.shared_limit(lambda: current_app.config["LOGIN_RATE_LIMIT_PER_USERNAME"],
                                        scope="login-username", key_func=_attempted_username)
    return per_ip(per_username(view))
