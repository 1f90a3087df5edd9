from flask import make_response, render_template, request
from flask_jwt_extended import jwt_required
from flask_smorest import Blueprint

from app.api.admin.schemas import JobSchema, QueueOverviewSchema, QueueViewSchema
from app.api.openapi import produces
from app.auth.tokens import current_user_id
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
    if format_asked:
        return format_asked == "html"
    # On a tie (Accept: */*, or none) JSON wins: it is listed first.
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


@blp.route("/queues")
@jwt_required()
@blp.arguments(QueueViewSchema, location="query")
@blp.response(200, QueueOverviewSchema)
@blp.alt_response(200, schema={"type": "string"}, content_type="text/html", success=True,
                  description="The dashboard page, with Accept: text/html or format=html")
@blp.alt_response(403, description="Admins only")
def queues(query):
    """The queue dashboard: pending, scheduled and periodic tasks, recent results and failures.

    JSON by default; a small self-contained HTML page with Accept: text/html or ?format=html.
    """
    overview = jobs.queue_overview(current_user_id())
    if not _wants_html(query.get("format")):
        return overview
    response = make_response(render_template("admin/queues.html", overview=overview))
    # Everything is inline and escaped; the policy forbids loading or running anything else.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Vary"] = "Accept"
    return response
