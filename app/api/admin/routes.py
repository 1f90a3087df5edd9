from flask import make_response, render_template, request
from flask_jwt_extended import jwt_required
from flask_smorest import Blueprint

from app.api.admin.schemas import JobSchema, QueueOverviewSchema
from app.auth.tokens import current_user_id
from tasks import admin as jobs

blp = Blueprint("admin", __name__, url_prefix="/admin",
                description="Background jobs, for admins only (others get 403).")


@blp.route("/trigger-archive", methods=["POST"])
@jwt_required()
@blp.response(202, JobSchema)
def trigger_archive():
    """Run the archive job now; follow it at GET /admin/jobs/{id}."""
    return jobs.trigger(current_user_id(), "archive")


@blp.route("/trigger-cleanup", methods=["POST"])
@jwt_required()
@blp.response(202, JobSchema)
def trigger_cleanup():
    """Run the image cleanup job now; follow it at GET /admin/jobs/{id}."""
    return jobs.trigger(current_user_id(), "cleanup")


@blp.route("/jobs/<job_id>")
@jwt_required()
@blp.response(200, JobSchema)
def job(job_id):
    """A job's state and, once finished, its result or error (kept 7 days)."""
    return jobs.job_status(current_user_id(), job_id)


def _wants_html():
    # On a tie (Accept: */*, or none) JSON wins: it is listed first.
    return (request.args.get("format") == "html"
            or request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html")


@blp.route("/queues")
@jwt_required()
@blp.response(200, QueueOverviewSchema)
def queues():
    """The queue dashboard: pending, scheduled and periodic tasks, recent results and failures.

    JSON by default; a small self-contained HTML page with Accept: text/html or ?format=html.
    """
    overview = jobs.queue_overview(current_user_id())
    if not _wants_html():
        return overview
    response = make_response(render_template("admin/queues.html", overview=overview))
    # Everything is inline and escaped; the policy forbids loading or running anything else.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Vary"] = "Accept"
    return response
