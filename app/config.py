"""Settings from the environment (12-factor). `.env.example` documents every variable.

Required settings have no default: `Config.from_env()` raises when they are missing.
`DATABASE_URL` and `REDIS_URL` are required by the app itself; `make run` and the
test suite fill them in with embedded servers when they are unset (see devstack/).
"""
import hashlib
import hmac
import os
from datetime import timedelta
from zoneinfo import ZoneInfo


class MissingSetting(RuntimeError):
    """A required environment variable is not set."""


class InvalidSetting(RuntimeError):
    """An environment variable has a value the service cannot use."""


def _required(env, name):
    value = env.get(name)
    if not value:
        raise MissingSetting(f"environment variable {name} is required")
    return value


def _int(env, name, default):
    return int(env.get(name, default))


def _float(env, name, default):
    return float(env.get(name, default))


def _bool(env, name, default):
    return env.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _list(env, name, default=""):
    return [item.strip() for item in env.get(name, default).split(",") if item.strip()]


def _jwt_settings(env):
    algorithm = env.get("JWT_ALGORITHM", "HS256")
    settings = {
        "JWT_ALGORITHM": algorithm,
        "JWT_DECODE_ALGORITHMS": [algorithm],
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=_int(env, "JWT_ACCESS_TOKEN_MINUTES", 15)),
        "JWT_REFRESH_TOKEN_EXPIRES": timedelta(days=_int(env, "JWT_REFRESH_TOKEN_DAYS", 30)),
        "JWT_TOKEN_LOCATION": ["headers"],
        "JWT_ERROR_MESSAGE_KEY": "message",
    }
    if algorithm.startswith("HS"):
        settings["JWT_SECRET_KEY"] = _required(env, "JWT_SECRET_KEY")
    else:
        # An external identity provider may sign tokens: the public key verifies them,
        # and the private key (optional) lets this service issue its own.
        settings["JWT_PUBLIC_KEY"] = _required(env, "JWT_PUBLIC_KEY").replace("\\n", "\n")
        settings["JWT_PRIVATE_KEY"] = env.get("JWT_PRIVATE_KEY", "").replace("\\n", "\n") or None
    if env.get("JWT_ISSUER"):
        settings["JWT_ENCODE_ISSUER"] = settings["JWT_DECODE_ISSUER"] = env["JWT_ISSUER"]
    if env.get("JWT_AUDIENCE"):
        settings["JWT_ENCODE_AUDIENCE"] = settings["JWT_DECODE_AUDIENCE"] = env["JWT_AUDIENCE"]
    return settings


def from_env(env=None):
    """Build the Flask config mapping from environment variables."""
    env = os.environ if env is None else env
    prefix = env.get("REDIS_KEY_PREFIX", "msg:")
    config = {
        "SQLALCHEMY_DATABASE_URI": _psycopg2_url(_required(env, "DATABASE_URL")),
        "SQLALCHEMY_ENGINE_OPTIONS": {
            # pre_ping lets the pool drop connections that died with a PostgreSQL restart.
            "pool_pre_ping": True,
            "pool_size": _int(env, "DATABASE_POOL_SIZE", 10),
            "max_overflow": _int(env, "DATABASE_MAX_OVERFLOW", 10),
            "pool_timeout": _int(env, "DATABASE_POOL_TIMEOUT", 10),
            "connect_args": {
                "connect_timeout": _int(env, "DATABASE_CONNECT_TIMEOUT", 5),
                "options": f"-c statement_timeout={_int(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 15000)}",
            },
        },
        "REDIS_URL": _required(env, "REDIS_URL"),
        "REDIS_KEY_PREFIX": prefix,
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO").upper(),
        "CORS_ORIGINS": _list(env, "CORS_ORIGINS"),
        # How many reverse proxies (nginx, a load balancer) stand in front: their X-Forwarded-For
        # entries are trusted for the client address (per-IP login limits, logs). 0: none.
        "TRUSTED_PROXIES": _int(env, "TRUSTED_PROXIES", 0),
        "MESSAGE_MAX_LENGTH": _int(env, "MESSAGE_MAX_LENGTH", 4000),
        "SEND_RATE_LIMIT": _int(env, "SEND_RATE_LIMIT", 100),
        "SEND_RATE_WINDOW_SECONDS": _int(env, "SEND_RATE_WINDOW_SECONDS", 3600),
        "MAX_GROUP_SIZE": _int(env, "MAX_GROUP_SIZE", 500),
        # Realtime tier (Socket.IO): see docs/websocket.md.
        "TYPING_TTL_SECONDS": _float(env, "TYPING_TTL_SECONDS", 10),
        "TYPING_MAX_GROUP_SIZE": _int(env, "TYPING_MAX_GROUP_SIZE", 50),
        "PRESENCE_TTL_SECONDS": _float(env, "PRESENCE_TTL_SECONDS", 30),
        "PRESENCE_IDLE_SECONDS": _float(env, "PRESENCE_IDLE_SECONDS", 300),
        "LOGIN_RATE_LIMIT_PER_IP": env.get("LOGIN_RATE_LIMIT_PER_IP", "30 per minute"),
        "LOGIN_RATE_LIMIT_PER_USERNAME": env.get("LOGIN_RATE_LIMIT_PER_USERNAME", "10 per 15 minutes"),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_REQUEST_BYTES", 256 * 1024),
        # flask-limiter: shared Redis storage, headers on, per-process memory if Redis is down.
        "RATELIMIT_STORAGE_URI": _limiter_storage_uri(_required(env, "REDIS_URL")),
        # The `limits` storage puts its own prefix first ("LIMITS:" by default): make it ours,
        # so the login counters live under REDIS_KEY_PREFIX like every other key.
        "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": f"{prefix}limiter"},
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_ENABLED": _bool(env, "RATELIMIT_ENABLED", True),
        # OpenAPI document and Swagger UI (served from a local copy: no CDN).
        "API_TITLE": "Messaging API",
        "API_VERSION": "1.0.0",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/docs/assets/",
        "API_SPEC_OPTIONS": {
            "components": {"securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                # The browser session of the admin pages (POST /admin/login); app/auth/admin_cookie.py.
                "adminSession": {"type": "apiKey", "in": "cookie", "name": "admin_session"}}},
            "security": [{"bearerAuth": []}],
            # Relative: the document describes the server that serves it, whatever its public name.
            "servers": [{"url": "/", "description": "The server that serves this document"}],
        },
    }
    config.update(_jwt_settings(env))
    config.update(_jobs_settings(env))
    config.update(_push_settings(env))
    config.update(_storage_settings(env))
    return config


def huey_settings(env=None):
    """What the Huey instance needs at import time, before any Flask app exists."""
    env = os.environ if env is None else env
    return {"url": _required(env, "REDIS_URL"), "prefix": env.get("REDIS_KEY_PREFIX", "msg:")}


def _jobs_settings(env):
    timezone = env.get("JOBS_TIMEZONE", "UTC")
    ZoneInfo(timezone)  # fail at start-up, not at 02:00, on a misspelt zone
    return {
        "ARCHIVE_AFTER_DAYS": _int(env, "ARCHIVE_AFTER_DAYS", 90),
        # The zone in which the daily jobs' wall-clock times (02:00, 03:00) are read.
        "JOBS_TIMEZONE": timezone,
    }


def _push_settings(env):
    return {
        # Web Push is off unless both keys are set (base64url, as web-push tools print them).
        "VAPID_PRIVATE_KEY": env.get("VAPID_PRIVATE_KEY", ""),
        "VAPID_PUBLIC_KEY": env.get("VAPID_PUBLIC_KEY", ""),
        "VAPID_SUBJECT": env.get("VAPID_SUBJECT", "mailto:admin@localhost"),
        # Messages to one user in one conversation within this window become one notification.
        "PUSH_COALESCE_SECONDS": _int(env, "PUSH_COALESCE_SECONDS", 10),
        # How long the push service keeps a notification for a device that is not reachable.
        "PUSH_TTL_SECONDS": _int(env, "PUSH_TTL_SECONDS", 3600),
        # Subscription endpoints must be https; http is for local push-service stand-ins only.
        "PUSH_ALLOW_HTTP_ENDPOINTS": _bool(env, "PUSH_ALLOW_HTTP_ENDPOINTS", False),
    }


def _storage_settings(env):
    """Where images live (app/storage): STORAGE_DRIVER local (files under MEDIA_ROOT, the default
    without S3_BUCKET_PHOTOS) or s3 (AWS, MinIO or any S3-compatible store), and the image rules."""
    bucket = env.get("S3_BUCKET_PHOTOS", "")
    driver = env.get("STORAGE_DRIVER") or ("s3" if bucket else "local")
    if driver not in ("local", "s3"):
        raise InvalidSetting(f"STORAGE_DRIVER must be local or s3, not {driver!r}")
    if driver == "s3" and not bucket:
        raise MissingSetting("environment variable S3_BUCKET_PHOTOS is required with STORAGE_DRIVER=s3")
    return {
        "STORAGE_DRIVER": driver,
        "MEDIA_ROOT": env.get("MEDIA_ROOT", "var/media"),
        "MEDIA_SIGNING_KEY": _media_signing_key(env) if driver == "local" else "",
        "AWS_REGION": env.get("AWS_REGION", "us-east-1"),
        "AWS_ACCESS_KEY_ID": env.get("AWS_ACCESS_KEY_ID", ""),
        "AWS_SECRET_ACCESS_KEY": env.get("AWS_SECRET_ACCESS_KEY", ""),
        "S3_ENDPOINT_URL": env.get("S3_ENDPOINT_URL", ""),
        "S3_PUBLIC_ENDPOINT_URL": env.get("S3_PUBLIC_ENDPOINT_URL", ""),
        "S3_BUCKET_PHOTOS": bucket,
        "IMAGE_MAX_BYTES": _int(env, "IMAGE_MAX_BYTES", 10 * 1024 * 1024),
        "MESSAGE_MAX_IMAGES": _int(env, "MESSAGE_MAX_IMAGES", 10),
        "IMAGE_UPLOAD_EXPIRES_SECONDS": _int(env, "IMAGE_UPLOAD_EXPIRES_SECONDS", 300),
        "IMAGE_URL_EXPIRES_SECONDS": _int(env, "IMAGE_URL_EXPIRES_SECONDS", 900),
    }


def _media_signing_key(env):
    """The local driver's URL-signing secret: MEDIA_SIGNING_KEY, or one derived from JWT_SECRET_KEY
    (under its own label, so a signature made with one can never pass as the other). Empty when
    neither is set (RS256 tokens): the image endpoints then answer 503 naming MEDIA_SIGNING_KEY."""
    if env.get("MEDIA_SIGNING_KEY"):
        return env["MEDIA_SIGNING_KEY"]
    if env.get("JWT_SECRET_KEY"):
        return hmac.new(env["JWT_SECRET_KEY"].encode(), b"media-signing-key", hashlib.sha256).hexdigest()
    return ""


def _psycopg2_url(url):
    """SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3; we ship psycopg2 (psycogreen-patched)."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg2://" + url[len(scheme):]
    return url


def _limiter_storage_uri(redis_url):
    """flask-limiter (the `limits` package) spells Redis-over-unix-socket as redis+unix://."""
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://"):]
    return redis_url
