"""The admin pages' browser door: log in with a form (a session cookie), trigger a job with a
button, log out. The dashboard itself is GET /admin/queues (app/api/admin/routes.py).

Every form that changes something carries the session's CSRF token, checked here before acting;
the cookie is also SameSite=Strict, so another site cannot make the browser send it at all.
"""
from flask import Blueprint, make_response, redirect, render_template, request, url_for

from app.auth.admin_cookie import clear_session_cookie, session_id, set_session_cookie
from app.auth.login_limits import limit_password_attempts
from app.errors import ApiError
from app.security_headers import ADMIN_PAGE_POLICY, html_page
from app.services import admin_sessions
from tasks import admin as jobs

blp = Blueprint("web_admin", __name__, url_prefix="/admin")


def _login_page(message=None, status=200):
    return html_page(make_response(render_template("admin/login.html", message=message), status),
                     ADMIN_PAGE_POLICY)


def _session():
    """The browser's admin session, or None. Raises Forbidden if its user is no longer an admin."""
    return admin_sessions.current_session(session_id())


def _dashboard(**query):
    return redirect(url_for("admin.queues", **query), code=303)


@blp.route("/login", methods=["GET"])
def login_form():
    if _session():
        return _dashboard()
    return _login_page()


@blp.route("/login", methods=["POST"])
@limit_password_attempts
def login():
    username, password = request.form.get("username", ""), request.form.get("password", "")
    if not username or not password:
        return _login_page("Enter your username and password.", 422)
    try:
        session = admin_sessions.start_session(username, password)
    except ApiError as exc:  # wrong credentials (401) or not an admin (403)
        return _login_page(exc.message, exc.status)
    return set_session_cookie(_dashboard(), session, admin_sessions.SESSION_SECONDS)


@blp.errorhandler(429)
def _too_many_attempts(exc):
    return _login_page("Too many login attempts: wait a while and try again.", 429)


@blp.route("/logout", methods=["POST"])
def logout():
    session = _session()
    if session:
        admin_sessions.check_csrf(session, request.form.get("csrf_token"))
        admin_sessions.end_session(session.id)
    return clear_session_cookie(redirect(url_for("web_admin.login_form"), code=303))


@blp.route("/queues/run/<any(archive, cleanup):job>", methods=["POST"])
def run_job(job):
    """A dashboard button: queue the archive or cleanup job now, then show the dashboard with it."""
    session = _session()
    if session is None:
        return redirect(url_for("web_admin.login_form"), code=303)
    admin_sessions.check_csrf(session, request.form.get("csrf_token"))
    return _dashboard(queued=jobs.trigger(session.user_id, job)["id"])
