import log_format
from app.api.health.schemas import LivenessSchema, ReadinessSchema
from app.api.parser import Blueprint
from app.errors import error_body
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
                           "error": {"code": "service_unavailable", "message": "unavailable: redis",
                                     "request_id": "4bf92f3577b34da6a3ce929d0e0e4736"}})
@blp.doc(security=[])
def readiness():
    """PostgreSQL and Redis answer (and, in a realtime process, it hears the message queue); 503 names what failed."""
    checks = dependency_status()
    failed = [name for name, ok in checks.items() if not ok]
    body = {"status": "ok" if not failed else "unavailable", "checks": {k: "ok" if v else "down" for k, v in checks.items()}}
    if failed:
        body["error"] = error_body("service_unavailable", f"unavailable: {', '.join(failed)}",
                                   request_id=log_format.bound("request_id"))
        return body, 503
    return body
