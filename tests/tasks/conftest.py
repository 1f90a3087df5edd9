"""A real Huey consumer (`huey_consumer tasks.huey`, a subprocess) on the test PostgreSQL and Redis,
a real VAPID key pair, and a stand-in push service on 127.0.0.1."""
import base64
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import update

from tests.tasks.push_service import FakePushService

ROOT = Path(__file__).resolve().parents[2]


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_point(private_key):
    return private_key.public_key().public_bytes(serialization.Encoding.X962,
                                                 serialization.PublicFormat.UncompressedPoint)


@pytest.fixture(scope="session")
def vapid_keys():
    """A VAPID key pair in the form operators configure it (base64url raw private scalar and public point)."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    raw = private_key.private_numbers().private_value.to_bytes(32, "big")
    return {"private_key": private_key, "VAPID_PRIVATE_KEY": b64url(raw),
            "VAPID_PUBLIC_KEY": b64url(public_point(private_key)), "VAPID_SUBJECT": "mailto:ops@example.test"}


@pytest.fixture(scope="module")
def consumer(stack, vapid_keys, request):
    """`huey_consumer tasks.huey` with the test environment and two worker threads, for one test module
    (so modules without it can look at queues nobody consumes). Yields the path of its log."""
    log_path = Path(stack["var_dir"]) / f"huey-consumer-{request.module.__name__}.log"
    env = {**os.environ, **{k: v for k, v in stack["env"].items() if k != "FLASK_APP"},
           "LOG_LEVEL": "INFO", "PUSH_ALLOW_HTTP_ENDPOINTS": "true", "PUSH_TTL_SECONDS": "120",
           **{k: v for k, v in vapid_keys.items() if k.startswith("VAPID_")}}
    huey_consumer = Path(sys.executable).parent / "huey_consumer"
    with open(log_path, "ab") as log:
        process = subprocess.Popen([str(huey_consumer), "tasks.huey", "--workers", "2"],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    wait_until(lambda: "huey consumer started" in log_path.read_text().lower() or process.poll() is not None,
               what="the consumer to start")
    assert process.poll() is None, log_path.read_text()
    yield log_path
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def push_enabled(app, vapid_keys, monkeypatch):
    """The API app configured for Web Push like the consumer, with a 1 s coalescing window."""
    for name in ("VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY", "VAPID_SUBJECT"):
        monkeypatch.setitem(app.config, name, vapid_keys[name])
    monkeypatch.setitem(app.config, "PUSH_ALLOW_HTTP_ENDPOINTS", True)
    monkeypatch.setitem(app.config, "PUSH_COALESCE_SECONDS", 1)
    return vapid_keys


@pytest.fixture
def push_service():
    service = FakePushService()
    yield service
    service.close()


def wait_until(condition, what, timeout=30):
    """Poll `condition` until true; fails (naming `what`) after `timeout` seconds. Not a timing assertion:
    the timeout only bounds how long a broken build takes to fail."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def make_admin(app, user):
    from app.extensions import db
    from app.models import User

    with app.app_context():
        db.session.execute(update(User).where(User.id == user.id).values(is_admin=True))
        db.session.commit()
    return user


def job_state(client, admin, job_id):
    response = client.as_user(admin, "get", f"/admin/jobs/{job_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def finished_job(client, admin, job_id):
    """Wait until the job succeeded or failed and return its record."""
    record = {}

    def finished():
        record.update(job_state(client, admin, job_id))
        return record["state"] in ("succeeded", "failed")

    wait_until(finished, f"job {job_id} to finish")
    return record
