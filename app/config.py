"""Settings from the environment (12-factor). `.env.example` documents every variable.

Required settings have no default: `from_env()` raises MissingSetting when one is missing, and
SettingError when any setting is malformed: one line naming the variable, what is wrong with its
value and an example of a good one (wsgi.py and `make run` stop with that line); InvalidSetting
is the malformed kind.
`DATABASE_URL` and `REDIS_URL` are required by the app itself; `make run` and the
test suite fill them in with embedded servers when they are unset (see devstack/).
"""
import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import unquote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import parse_many


class SettingError(RuntimeError):
    """A setting is missing or malformed. The message is one line: the variable, what is wrong
    with its value, and an example of a good one. Start-up stops with it (wsgi.py, devstack)."""


class MissingSetting(SettingError):
    """A required environment variable is not set."""


class InvalidSetting(SettingError):
    """An environment variable has a value the service cannot use."""


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("JSON", "TEXT")
METRICS_TOKEN_MIN_LENGTH = 16
JWT_ALGORITHMS = ("HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512")
JWT_SECRET_MIN_LENGTH = 32


def _get(env, name):
    """The variable's value, or None when it is unset or empty (`NAME=` in .env means "default")."""
    value = env.get(name)
    return value.strip() if value and value.strip() else None


def _required(env, name):
    value = _get(env, name)
    if value is None:
        raise MissingSetting(f"environment variable {name} is required")
    return value


def _invalid(name, value, problem, example):
    return InvalidSetting(f"{name}={value!r}: {problem}; e.g. {name}={example}")


def _int(env, name, default, minimum=1, unit=""):
    return _number(env, name, default, int, f"not a whole number{unit}", minimum, f"must be at least {minimum}")


def _float(env, name, default):
    """Seconds, more than 0."""
    return _number(env, name, default, float, "not a number of seconds", 1e-9, "must be more than 0")


def _number(env, name, default, convert, problem, minimum, too_small):
    value = _get(env, name)
    if value is None:
        return default
    try:
        number = convert(value)
    except ValueError:
        raise _invalid(name, value, problem, default)
    if not number >= minimum:  # also refuses nan
        raise _invalid(name, value, too_small, default)
    return number


def _bool(env, name, default):
    value = _get(env, name)
    if value is None:
        return default
    if value.lower() not in _TRUE | _FALSE:
        raise _invalid(name, value, "not true or false", str(default).lower())
    return value.lower() in _TRUE


def _choice(env, name, default, choices):
    value = (_get(env, name) or default).upper()
    if value not in choices:
        raise _invalid(name, value, f"must be one of {', '.join(choices)}", default)
    return value


def _rate_limit(env, name, default):
    """A flask-limiter limit ("30 per minute", "10/15 minutes")."""
    value = _get(env, name) or default
    try:
        parse_many(value)
    except ValueError:
        raise _invalid(name, value, "not a rate limit", repr(default))
    return value


def _url(env, name, schemes, example):
    value = _required(env, name)
    if not value.startswith(tuple(f"{scheme}://" for scheme in schemes)):
        # The value may hold a password: only its scheme is named.
        raise InvalidSetting(f"{name}: must be a {', '.join(scheme + '://' for scheme in schemes)} URL, "
                           f"not {value.split(':', 1)[0]!r}; e.g. {name}={example}")
    return value


def _list(env, name, default=""):
    return [item.strip() for item in (_get(env, name) or default).split(",") if item.strip()]


def _jwt_settings(env):
    algorithm = _choice(env, "JWT_ALGORITHM", "HS256", JWT_ALGORITHMS)
    settings = {
        "JWT_ALGORITHM": algorithm,
        "JWT_DECODE_ALGORITHMS": [algorithm],
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=_int(env, "JWT_ACCESS_TOKEN_MINUTES", 15)),
        "JWT_REFRESH_TOKEN_EXPIRES": timedelta(days=_int(env, "JWT_REFRESH_TOKEN_DAYS", 30)),
        "JWT_TOKEN_LOCATION": ["headers"],
        "JWT_ERROR_MESSAGE_KEY": "message",
    }
    if algorithm.startswith("HS"):
        settings["JWT_SECRET_KEY"] = _jwt_secret(env)
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


def _jwt_secret(env):
    secret = _required(env, "JWT_SECRET_KEY")
    if len(secret) < JWT_SECRET_MIN_LENGTH:  # the value itself is never echoed
        raise InvalidSetting(f"JWT_SECRET_KEY: {len(secret)} characters, at least {JWT_SECRET_MIN_LENGTH} random "
                           f"ones are needed; e.g. JWT_SECRET_KEY=$(python3 -c 'import secrets; "
                           f"print(secrets.token_hex(32))')")
    return secret


def from_env(env=None):
    """Build the Flask config mapping from environment variables."""
    env = os.environ if env is None else env
    prefix = env.get("REDIS_KEY_PREFIX", "msg:")
    redis = _redis_settings(env)
    config = {
        "SQLALCHEMY_DATABASE_URI": _psycopg2_url(_url(env, "DATABASE_URL", ("postgresql", "postgres"),
                                                      "postgresql://user:password@localhost:5432/messaging")),
        "SQLALCHEMY_ENGINE_OPTIONS": {
            # No pool_pre_ping (a round trip at every checkout): app/database_checkout.py checks
            # connections without one, and lets the pool drop those that died with a restart.
            # A failed statement's error (and the engine's log at INFO) leaves out its parameters:
            # they are message text, search terms, password hashes.
            "hide_parameters": True,
            "pool_size": _int(env, "DATABASE_POOL_SIZE", 10),
            "max_overflow": _int(env, "DATABASE_MAX_OVERFLOW", 10, minimum=0),
            "pool_timeout": _int(env, "DATABASE_POOL_TIMEOUT", 10),
            "connect_args": {
                "connect_timeout": _int(env, "DATABASE_CONNECT_TIMEOUT", 5),
                "options": f"-c statement_timeout={_int(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 15000)}",
            },
        },
        **redis,
        "REDIS_KEY_PREFIX": prefix,
        "LOG_LEVEL": _choice(env, "LOG_LEVEL", "INFO", LOG_LEVELS),
        # One line format for every process (log_format.py): json for aggregation, text to read.
        "LOG_FORMAT": _choice(env, "LOG_FORMAT", "JSON", LOG_FORMATS).lower(),
        "CORS_ORIGINS": _list(env, "CORS_ORIGINS"),
        # How many reverse proxies (nginx, a load balancer) stand in front: their X-Forwarded-For
        # entries are trusted for the client address (per-IP login limits, logs). 0: none.
        "TRUSTED_PROXIES": _int(env, "TRUSTED_PROXIES", 0, minimum=0),
        "MESSAGE_MAX_LENGTH": _int(env, "MESSAGE_MAX_LENGTH", 4000),
        "SEND_RATE_LIMIT": _int(env, "SEND_RATE_LIMIT", 100,
                                unit=" of messages (per SEND_RATE_WINDOW_SECONDS, a separate setting)"),
        "SEND_RATE_WINDOW_SECONDS": _int(env, "SEND_RATE_WINDOW_SECONDS", 3600, unit=" of seconds"),
        "MAX_GROUP_SIZE": _int(env, "MAX_GROUP_SIZE", 500),
        # How long a message's sender may edit it; 0: no limit.
        "MESSAGE_EDIT_WINDOW_SECONDS": _int(env, "MESSAGE_EDIT_WINDOW_SECONDS", 0, minimum=0, unit=" of seconds"),
        # Realtime tier (Socket.IO): see docs/websocket.md.
        "TYPING_TTL_SECONDS": _float(env, "TYPING_TTL_SECONDS", 10),
        "TYPING_MAX_GROUP_SIZE": _int(env, "TYPING_MAX_GROUP_SIZE", 50),
        "PRESENCE_TTL_SECONDS": _float(env, "PRESENCE_TTL_SECONDS", 30),
        "PRESENCE_IDLE_SECONDS": _float(env, "PRESENCE_IDLE_SECONDS", 300),
        # Events one Socket.IO connection may send in any one second (app/realtime/budget.py).
        "SOCKET_EVENTS_PER_SECOND": _int(env, "SOCKET_EVENTS_PER_SECOND", 20),
        "LOGIN_RATE_LIMIT_PER_IP": _rate_limit(env, "LOGIN_RATE_LIMIT_PER_IP", "30 per minute"),
        "LOGIN_RATE_LIMIT_PER_USERNAME": _rate_limit(env, "LOGIN_RATE_LIMIT_PER_USERNAME", "10 per 15 minutes"),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_REQUEST_BYTES", 256 * 1024),
        # flask-limiter: shared Redis storage, per-process memory if Redis is down. Its headers are
        # off (it would add Retry-After to successful logins): app/api/auth/routes.py adds them.
        **_limiter_storage(redis, prefix),
        "RATELIMIT_HEADERS_ENABLED": False,
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
    config.update(_metrics_settings(env))
    config.update(_jobs_settings(env))
    config.update(_push_settings(env))
    config.update(_storage_settings(env))
    return config


def _metrics_settings(env):
    """Who may scrape the Prometheus metrics (docs/runbook.md, "Metrics"): only a scraper that
    presents METRICS_TOKEN as a bearer token; without it /metrics answers 404. The job consumer
    serves them on METRICS_BIND (host:port; unset: it serves none)."""
    token = _get(env, "METRICS_TOKEN")
    if token is not None and len(token) < METRICS_TOKEN_MIN_LENGTH:  # the value itself is never echoed
        raise InvalidSetting(f"METRICS_TOKEN: {len(token)} characters, at least {METRICS_TOKEN_MIN_LENGTH} random "
                             f"ones are needed; e.g. METRICS_TOKEN=$(python3 -c 'import secrets; "
                             f"print(secrets.token_hex(16))')")
    bind = _get(env, "METRICS_BIND")
    if bind is not None:
        host, _, port = bind.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise _invalid("METRICS_BIND", bind, "not host:port", "0.0.0.0:9101")
    return {"METRICS_TOKEN": token, "METRICS_BIND": bind}


def huey_settings(env=None):
    """The settings the Huey instance needs at import time, before any Flask app exists (named as
    from_env names them)."""
    env = os.environ if env is None else env
    return {**_redis_settings(env), "REDIS_KEY_PREFIX": env.get("REDIS_KEY_PREFIX", "msg:"),
            # Touched every second by a working consumer; deploy/healthcheck.py reads the same default.
            "CONSUMER_HEARTBEAT_FILE": _get(env, "CONSUMER_HEARTBEAT_FILE") or "/tmp/huey-consumer.heartbeat"}


def _redis_settings(env):
    """Where Redis is (app/redis_client.py builds every connection pool from these)."""
    url = _url(env, "REDIS_URL", ("redis", "rediss", "unix", SENTINEL_SCHEME), "redis://localhost:6379/0")
    return {
        "REDIS_URL": url,
        "REDIS_SENTINEL": sentinel_target(url),
        # The sentinels' own password, when they have one (REDIS_URL=redis+sentinel://...).
        "REDIS_SENTINEL_PASSWORD": _get(env, "REDIS_SENTINEL_PASSWORD"),
        # Redis connections per process (a blocking pool: callers wait for a free one).
        "REDIS_POOL_SIZE": _int(env, "REDIS_POOL_SIZE", 50),
    }


def _limiter_storage(redis, prefix):
    """Where flask-limiter (the `limits` package) counts: REDIS_URL (`redis`: _redis_settings) in its
    spelling (redis+unix:// for a socket; for Sentinel the sentinels in the URL and the rest as
    options), under REDIS_KEY_PREFIX."""
    url, target = redis["REDIS_URL"], redis["REDIS_SENTINEL"]
    # The `limits` storage puts its own prefix first ("LIMITS:" by default): make it ours,
    # so the login counters live under REDIS_KEY_PREFIX like every other key.
    options = {"key_prefix": f"{prefix}limiter"}
    if target:
        url = f"{SENTINEL_SCHEME}://" + ",".join(f"{host}:{port}" for host, port in target.sentinels)
        # Counts are read from the primary too (not a lagging replica); the sentinels are asked
        # with the same 1 s timeouts as app/redis_client.py asks them.
        options.update(service_name=target.service_name, db=target.db, username=target.username,
                       password=target.password, use_replicas=False,
                       sentinel_kwargs={"password": redis["REDIS_SENTINEL_PASSWORD"], "socket_timeout": 1,
                                        "socket_connect_timeout": 1})
    elif url.startswith("unix://"):
        url = "redis+unix://" + url[len("unix://"):]
    return {"RATELIMIT_STORAGE_URI": url, "RATELIMIT_STORAGE_OPTIONS": options}


SENTINEL_SCHEME = "redis+sentinel"


@dataclass(frozen=True)
class SentinelTarget:
    """What a redis+sentinel:// URL names: where the sentinels are, and which server of theirs."""

    sentinels: tuple  # ((host, port), ...)
    service_name: str
    db: int = 0
    username: str | None = None
    password: str | None = None


def sentinel_target(url):
    """The SentinelTarget of a REDIS_URL in the form
    redis+sentinel://[[user]:password@]sentinel1:26379,sentinel2:26379/<service name>[/<db>]
    (the password is the Redis servers', as in a redis:// URL), or None for any other URL.

    Raises InvalidSetting when a sentinel address or the service name is missing or malformed
    (the message never repeats the password)."""
    parts = urlsplit(url)
    if parts.scheme != SENTINEL_SCHEME:
        return None
    example = f"e.g. REDIS_URL={SENTINEL_SCHEME}://:password@sentinel1:26379,sentinel2:26379/mymaster/0"
    credentials, _, hosts = parts.netloc.rpartition("@")
    username, _, password = credentials.partition(":")
    sentinels = []
    for address in hosts.split(","):
        host, _, port = address.strip().rpartition(":")
        if not host or not port.isdigit():
            raise InvalidSetting(f"REDIS_URL: sentinel address {address!r} is not host:port; {example}")
        sentinels.append((host.strip("[]"), int(port)))
    path = [segment for segment in parts.path.split("/") if segment]
    if not path or len(path) > 2 or (len(path) == 2 and not path[1].isdigit()):
        raise InvalidSetting(f"REDIS_URL: name the service the sentinels monitor, then optionally the database "
                             f"number; {example}")
    return SentinelTarget(tuple(sentinels), unquote(path[0]), int(path[1]) if len(path) == 2 else 0,
                          unquote(username) or None, unquote(password) or None)


def _jobs_settings(env):
    timezone = _get(env, "JOBS_TIMEZONE") or "UTC"
    try:
        ZoneInfo(timezone)  # fail at start-up, not at 02:00, on a misspelt zone
    except (ValueError, ZoneInfoNotFoundError):
        raise _invalid("JOBS_TIMEZONE", timezone, "not an IANA time zone", "Europe/Berlin")
    return {
        "ARCHIVE_AFTER_DAYS": _int(env, "ARCHIVE_AFTER_DAYS", 90, unit=" of days"),
        # The zone in which the daily jobs' wall-clock times (02:00, 03:00) are read.
        "JOBS_TIMEZONE": timezone,
    }


def _push_settings(env):
    private_key, public_key = _get(env, "VAPID_PRIVATE_KEY") or "", _get(env, "VAPID_PUBLIC_KEY") or ""
    if bool(private_key) != bool(public_key):
        missing = "VAPID_PUBLIC_KEY" if private_key else "VAPID_PRIVATE_KEY"
        raise InvalidSetting(f"{missing}: required with the other VAPID key (both set: push on; neither: push off); "
                           f"e.g. the pair `npx web-push generate-vapid-keys` prints")
    return {
        # Web Push is off unless both keys are set (base64url, as web-push tools print them).
        "VAPID_PRIVATE_KEY": private_key,
        "VAPID_PUBLIC_KEY": public_key,
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
        raise _invalid("STORAGE_DRIVER", driver, "must be local or s3", "local")
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
    """DATABASE_URL as SQLAlchemy reads it.

    - SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3; we ship psycopg2 (psycogreen-patched).
    - libpq's multi-host form, postgresql://user@db1:5432,db2:5432/messaging?target_session_attrs=read-write
      (what Patroni setups and managed services hand out), is written for SQLAlchemy with one
      `host` query parameter per server; libpq then tries them in order.
    """
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            url = "postgresql+psycopg2://" + url[len(scheme):]
    parts = urlsplit(url)
    credentials, at, hosts = parts.netloc.rpartition("@")
    if "," not in hosts:
        return url
    # Each host as written: still URL-encoded (a socket directory is %2F...), as the query wants it.
    host_params = [f"host={host.strip()}" for host in hosts.split(",")]
    query = "&".join(host_params + ([parts.query] if parts.query else []))
    return urlunsplit((parts.scheme, credentials + at, parts.path, query, parts.fragment))
