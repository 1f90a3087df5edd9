"""The admin session cookie, which carries the id of the browser's admin session (services.admin_sessions).

Scoped to /admin, HttpOnly (no script can read it), SameSite=Strict (no other site's page can make
the browser send it), Secure whenever the page came over HTTPS.
"""
from flask import request

COOKIE = "admin_session"
PATH = "/admin"


def session_id():
    """The session id the request's cookie carries, or None."""
    return request.cookies.get(COOKIE)


def set_session_cookie(response, session, max_age):
    response.set_cookie(COOKIE, session.id, max_age=max_age, path=PATH,
                        secure=request.is_secure, httponly=True, samesite="Strict")
    return response


def clear_session_cookie(response):
    response.delete_cookie(COOKIE, path=PATH, secure=request.is_secure, httponly=True, samesite="Strict")
    return response
