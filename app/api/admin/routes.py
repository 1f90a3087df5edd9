from flask import make_response, redirect, render_template, request, url_for
from flask_jwt_extended import jwt_required, verify_jwt_in_request

from app.api.admin.schemas import JobSchema, QueueOverviewSchema, QueueViewSchema
from app.api.openapi import headers, produces
from app.api.parser import Blueprint
from app.auth import admin_cookie
from app.auth.tokens import current_user_id
from app.errors import ApiError, NotFound
from app.security_headers import ADMIN_PAGE_POLICY, html_page
from app.services import admin_sessions
from tasks import admin as jobs

blp = Blueprint("admin", __name__, url_prefix="/admin",
                description="Background jobs, for admins only (others get 403).")


@blp.route("/trigger-archive", methods=["POST"])
@jwt_required()
@blp.response(202, JobSchema)
@blp.alt_response(403, description="Admins only")
@blp.doc(**produces(job_id="/id"))
def trigger_archive():
    """Run the archive job now; follow it at GET /admin/jobs/{id}."""
    return jobs.trigger(current_user_id(), "archive")


@blp.route("/trigger-cleanup", methods=["POST"])
@jwt_required()
@blp.response(202, JobSchema)
@blp.alt_response(403, description="Admins only")
@blp.doc(**produces(job_id="/id"))
def trigger_cleanup():
    """Run the image cleanup job now; follow it at GET /admin/jobs/{id}."""
    return jobs.trigger(current_user_id(), "cleanup")


@blp.route("/jobs/<job_id>")
@jwt_required()
@blp.response(200, JobSchema)
@blp.alt_response(403, description="Admins only")
def job(job_id):
    """A job's state and, once finished, its result or error (kept 7 days)."""
    return jobs.job_status(current_user_id(), job_id)


def _wants_html(format_asked):
    """Whether the caller asked for the HTML page (a browser) rather than JSON: `format`, if given, decides."""
    if format_asked:
        return format_asked == "html"
    # On a tie (Accept: */*, or none) JSON wins: it is listed first.
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


class LoginRequired(ApiError):
    status, code = 401, "unauthorized"


def _dashboard_caller():
    """(user id, admin session or None): the Bearer token's user if a token is sent, else the admin
    session cookie's. Raises LoginRequired when there is neither."""
    if verify_jwt_in_request(optional=True):
        return current_user_id(), None
    session = admin_sessions.current_session(admin_cookie.session_id())
    if session is None:
        raise LoginRequired("a Bearer token or an admin session (log in at /admin/login) is required",
                            headers={"WWW-Authenticate": "Bearer"})
    return session.user_id, session


def _queued_job(user_id, job_id):
    """The record of the job a dashboard button just queued (?queued=<id>), or None."""
    try:
        return jobs.job_status(user_id, job_id) if job_id else None
    except NotFound:
        return None


@blp.route("/queues")
@blp.arguments(QueueViewSchema, location="query")
@blp.response(200, QueueOverviewSchema)
@blp.alt_response(200, schema={"type": "string"}, content_type="text/html", success=True,
                  description="The dashboard page, with Accept: text/html or format=html")
@blp.alt_response(302, schema={"type": "string"}, content_type="text/html",
                  description="A browser (Accept: text/html or format=html) with neither a Bearer token nor an "
                              "admin session is sent to the login form",
                  headers={"Location": {"description": "/admin/login", "schema": {"type": "string"}}})
@blp.alt_response(401, description="An invalid, expired or revoked Bearer token; or, to a request for JSON, "
                                   "neither a token nor an admin session",
                  headers=headers("WWW-Authenticate"))
@blp.alt_response(403, description="Admins only")
@blp.doc(security=[{"bearerAuth": []}, {"adminSession": []}])
def queues(query):
    """The queue dashboard: pending, scheduled and periodic tasks, recent results and failures.

    JSON by default; a small self-contained HTML page with Accept: text/html or ?format=html.
    Browsers open it after logging in at /admin/login (a session cookie); API clients send a Bearer token.
    """
    wants_html = _wants_html(query.get("format"))
    try:
        user_id, session = _dashboard_caller()
    except LoginRequired:
        if wants_html:
            return redirect(url_for("web_admin.login_form"))
        raise
    overview = jobs.queue_overview(user_id)
    if not wants_html:
        return overview
    page = render_template("admin/queues.html", overview=overview, session=session,
                           queued=_queued_job(user_id, query.get("queued")))
    response = html_page(make_response(page), ADMIN_PAGE_POLICY)
    response.headers["Vary"] = "Accept"
    return response
