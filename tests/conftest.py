"""Fixtures: real PostgreSQL and Redis (embedded unless TEST_DATABASE_URL / TEST_REDIS_URL are set),
one app for the session, a clean database and Redis for every test; images on the local storage
driver, or on a real S3 endpoint (moto's server mode) for tests that take `storage_driver`."""
import os
import secrets
import shutil
import tempfile

import pytest
from devstack.embedded import ensure_services, stop_all
from tests.helpers import ApiClient, empty_state, make_admin
from tests.web_push import FakePushService, vapid_key_pair


# Packages whose tests share costly processes (Gunicorn servers, a Huey consumer, nginx, browsers)
# through session- or package-scoped fixtures. `make test` runs two pytest-xdist workers; each of
# these packages runs on one worker as a whole, so its processes start once, not once per worker.
SHARED_PROCESSES = {"browser", "deploy", "realtime", "tasks"}


def pytest_collection_modifyitems(items):
    for item in items:
        package = item.path.relative_to(os.path.dirname(__file__)).parts[0]
        if package in SHARED_PROCESSES:
            item.add_marker(pytest.mark.xdist_group(package))


@pytest.fixture(scope="session")
def stack(worker_id):
    """The backing services: {"env": settings for the app, "embedded": {"postgres": ..., "redis": ...}}."""
    var_dir = tempfile.mkdtemp(prefix="msgtest-", dir="/tmp")  # short path: unix socket names are limited
    given = {"DATABASE_URL": os.environ.get("TEST_DATABASE_URL", ""),
             "REDIS_URL": os.environ.get("TEST_REDIS_URL", "")}
    if worker_id != "master" and any(given.values()):
        # Each test empties the database and Redis: two workers cannot share one server.
        pytest.exit("TEST_DATABASE_URL / TEST_REDIS_URL name one server for every worker: "
                    "run them with one worker, `make test PYTEST_ARGS='-n 0'`", returncode=4)
    env, started = ensure_services(var_dir, given, database="messaging_test")
    env.update(JWT_SECRET_KEY=secrets.token_hex(32), LOG_LEVEL="WARNING", REDIS_KEY_PREFIX="test:",
               MEDIA_ROOT=os.path.join(var_dir, "media"))
    embedded = {type(s).__name__.replace("Embedded", "").lower(): s for s in started}
    yield {"env": env, "embedded": embedded, "var_dir": var_dir}
    stop_all(started)
    shutil.rmtree(var_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def app(stack):
    from flask_migrate import upgrade

    from app import create_app

    os.environ.update({k: v for k, v in stack["env"].items() if k != "FLASK_APP"})
    app = create_app({"TESTING": True})
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(autouse=True)
def clean_state(request):
    """Every test starts with empty tables and an empty Redis database."""
    yield
    if "app" not in request.fixturenames:
        return
    empty_state(request.getfixturevalue("app"))


@pytest.fixture
def client(app):
    return ApiClient(app.test_client())


@pytest.fixture
def pair(client):
    """alice and bob and their direct conversation: (alice, bob, conversation id)."""
    alice, bob = client.user("alice"), client.user("bob")
    return alice, bob, client.conversation(alice, bob)


@pytest.fixture
def admin(client, app):
    """A user with admin rights."""
    return make_admin(app, client.user("root"))


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_app(app):
    """Build another app on the same PostgreSQL and Redis, with config overrides (e.g. a second worker)."""
    from app import create_app
    from app.extensions import db

    made = []

    def make(overrides=None):
        made.append(create_app({"TESTING": True, **(overrides or {})}))
        return made[-1]

    yield make
    for other in made:  # close their connection pools: PostgreSQL's connection slots are few
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
        other.extensions["redis"].close()


@pytest.fixture(scope="session")
def s3_settings():
    """An S3 endpoint (moto's server mode, a thread of this process) with a photos bucket, as settings."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    settings = {"STORAGE_DRIVER": "s3", "S3_ENDPOINT_URL": f"http://{host}:{port}", "S3_BUCKET_PHOTOS": "photos",
                "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
    boto3.client("s3", endpoint_url=settings["S3_ENDPOINT_URL"], region_name=settings["AWS_REGION"],
                 aws_access_key_id="test", aws_secret_access_key="test").create_bucket(Bucket="photos")
    yield settings
    server.stop()


@pytest.fixture(params=["local", "s3"])
def storage_driver(request, app, monkeypatch):
    """Run the test once with each storage driver (the session app is switched for its duration)."""
    if request.param == "s3":
        for name, value in request.getfixturevalue("s3_settings").items():
            monkeypatch.setitem(app.config, name, value)
    monkeypatch.setitem(app.config, "STORAGE_DRIVER", request.param)
    return request.param


@pytest.fixture(scope="session")
def vapid_keys():
    """A VAPID key pair in the form operators configure it (base64url raw private scalar and public point)."""
    return vapid_key_pair()


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
