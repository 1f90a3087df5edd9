from flask_smorest import Blueprint

from app.api.health.schemas import LivenessSchema, ReadinessSchema
from app.services.health import dependency_status

blp = Blueprint("health", __name__, url_prefix="/health", description="Liveness and readiness")


@blp.route("")
@blp.response(200, LivenessSchema)
@blp.doc(security=[])
def liveness():
    """The process is up (no dependency checks)."""
    return {"status": "ok"}


@blp.route("/ready")
@blp.response(200, ReadinessSchema)
@blp.alt_response(503, schema=ReadinessSchema, description="A dependency is down (the others are still checked)",
                  example={"status": "unavailable", "checks": {"postgres": "ok", "redis": "down"},
                           "error": {"code": "service_unavailable", "message": "unavailable: redis"}})
@blp.doc(security=[])
def readiness():
    """PostgreSQL and Redis answer; 503 names the failed dependency."""
    checks = dependency_status()
    failed = [name for name, ok in checks.items() if not ok]
    body = {"status": "ok" if not failed else "unavailable", "checks": {k: "ok" if v else "down" for k, v in checks.items()}}
    if failed:
        body["error"] = {"code": "service_unavailable", "message": f"unavailable: {', '.join(failed)}"}
        return body, 503
    return body
