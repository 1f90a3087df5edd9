from flask_smorest import Blueprint

from app.services.health import dependency_status

blp = Blueprint("health", __name__, url_prefix="/health", description="Liveness and readiness")


@blp.route("")
@blp.doc(security=[])
def liveness():
    """The process is up (no dependency checks)."""
    return {"status": "ok"}


@blp.route("/ready")
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
