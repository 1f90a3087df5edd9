"""Accounts: registration, password checks, lookup."""
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from app.errors import ApiError, Conflict, Forbidden, NotFound
from app.extensions import db
from app.models import User
from app.services.content import user_text

DISPLAY_NAME_MAX_LENGTH = 64

# Compared against when the username is unknown, so a failed login takes as long either way.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def find_by_username(username):
    """The user with this username in any letter case, or None."""
    return db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def register_user(username, password, display_name=None, is_admin=False):
    """Create an account; `display_name` (default: the username) follows services.content's rule.

    Raises ValidationFailed (display_name), Conflict if the username is taken (in any letter case).
    """
    display_name = username if display_name is None else user_text("display_name", display_name,
                                                                    DISPLAY_NAME_MAX_LENGTH)
    if find_by_username(username):
        raise Conflict("username is already taken", details={"fields": {"username": ["already taken"]}})
    user = User(username=username, display_name=display_name,
                password_hash=generate_password_hash(password), is_admin=is_admin)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent registration won the race for this name
        db.session.rollback()
        raise Conflict("username is already taken", details={"fields": {"username": ["already taken"]}})
    return user


def authenticate(username, password):
    """The user whose credentials these are. Raises a 401 ApiError otherwise (same message either way)."""
    user = find_by_username(username)
    if not check_password_hash(user.password_hash if user else _DUMMY_HASH, password) or user is None:
        raise ApiError("invalid username or password", code="invalid_credentials", status=401)
    return user


def user_by_username(username):
    """The user with this username (any letter case). Raises NotFound if there is none."""
    user = find_by_username(username)
    if user is None:
        raise NotFound("user not found")
    return user


def get_user(user_id):
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("user not found")
    return user


def require_admin(user_id):
    """The user, if an admin. Raises Forbidden otherwise."""
    user = db.session.get(User, user_id)
    if user is None or not user.is_admin:
        raise Forbidden("admins only")
    return user
