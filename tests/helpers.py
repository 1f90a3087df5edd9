"""The builders every test shares: users with tokens, conversations, messages and images through
the public API (over the Flask test client or real HTTP), jobs, presence, waiting."""
import contextlib
import functools
import io
import itertools
import json
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote, urlsplit

import pytest
import requests
from psycopg2.errors import DeadlockDetected
from sqlalchemy import case, create_engine, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app.config import _psycopg2_url
from app.extensions import db
from app.models import Conversation, User as UserRow
from app.realtime import presence, registry
from app.redis_client import get_redis

_names = itertools.count(1)
PASSWORD = "correct horse battery"
WAIT = 10  # seconds any expected event (or answer of a real server) may take before a test fails


@contextlib.contextmanager
def scratch_database(database_url, name):
    """A database `name` of its own on the server of `database_url` (made afresh, dropped at the
    end); yields its URL in the form of `database_url`."""
    url = make_url(database_url)
    admin = create_engine(_psycopg2_url(database_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def empty_state(app):
    """Empty every table (ids start again at 1) and the Redis database.

    A server a test ran may still be finishing a browser's last request (a read mark, say), whose
    locks can meet the TRUNCATE's in the other order: PostgreSQL then aborts one of the two as a
    deadlock. When it aborts ours, the other has gone on: truncate again."""
    tables = ", ".join(t.name for t in db.metadata.sorted_tables)
    with app.app_context():
        for attempt in range(3):
            db.session.remove()
            try:
                db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
                db.session.commit()
                break
            except OperationalError as error:
                db.session.rollback()
                if not isinstance(error.orig, DeadlockDetected) or attempt == 2:
                    raise
        get_redis().flushdb()


@dataclass
class DatabaseSnapshot:
    """The rows of every table at one moment, to start again from them (Redis starts empty)."""

    app: object
    rows: dict

    @classmethod
    def take(cls, app):
        with app.app_context():
            return cls(app, {table: [dict(row._mapping) for row in db.session.execute(
                select(*[c for c in table.columns if c.computed is None]))] for table in db.metadata.sorted_tables})

    def restore(self):
        empty_state(self.app)
        with self.app.app_context():
            for table, rows in self.rows.items():
                if rows:
                    db.session.execute(table.insert(), rows)
                if "id" in table.columns and rows:  # the next generated id follows the restored ones
                    db.session.execute(select(func.setval(func.pg_get_serial_sequence(table.name, "id"),
                                                          max(row["id"] for row in rows))))
            db.session.commit()


@dataclass
class User:
    id: int
    username: str
    token: str
    refresh_token: str

    @property
    def headers(self):
        return {"Authorization": f"Bearer {self.token}"}


class HttpSession:
    """The API of a running server over real HTTP, answering as the Flask test client does
    (status_code, get_json(), query_string=), so ApiClient works over either."""

    def __init__(self, base_url):
        self.base_url = base_url

    def open(self, method, path, query_string=None, **kwargs):
        response = requests.request(method, self.base_url + path, params=query_string, timeout=10, **kwargs)
        response.get_json = response.json
        return response

    get = functools.partialmethod(open, "GET")
    post = functools.partialmethod(open, "POST")
    put = functools.partialmethod(open, "PUT")
    patch = functools.partialmethod(open, "PATCH")
    delete = functools.partialmethod(open, "DELETE")


class ApiClient:
    """The Flask test client (or an HttpSession) plus builders that go through the public API, as a
    user would."""

    def __init__(self, http):
        self.http = http

    def __getattr__(self, name):  # get/post/patch/... go straight to the test client
        return getattr(self.http, name)

    def user(self, username=None, password=PASSWORD, display_name=None):
        username = username or f"user{next(_names)}"
        extra = {"display_name": display_name} if display_name is not None else {}
        created = self.http.post("/auth/register", json={"username": username, "password": password, **extra})
        assert created.status_code == 201, created.get_json()
        tokens = self.http.post("/auth/login", json={"username": username, "password": password}).get_json()
        return User(created.get_json()["id"], username, tokens["access_token"], tokens["refresh_token"])

    def conversation(self, creator, *others, title=None):
        body = {"participant_ids": [u.id for u in others]}
        if title:
            body["title"] = title
        response = self.http.post("/conversations", json=body, headers=creator.headers)
        assert response.status_code in (200, 201), response.get_json()
        return response.get_json()["id"]

    def send(self, sender, conversation_id, content="hello", **extra):
        response = self.http.post(f"/conversations/{conversation_id}/messages",
                                  json={"content": content, **extra}, headers=sender.headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def as_user(self, user, method, path, **kwargs):
        return getattr(self.http, method)(path, headers=user.headers, **kwargs)

    def history(self, user, conversation_id, after=0):
        """Every message of the conversation with a seq above `after`, oldest first, page by page, as a
        reconnecting client catches up."""
        messages = []
        while True:
            response = self.as_user(user, "get", f"/conversations/{conversation_id}/messages",
                                    query_string={"after": after, "limit": 200})
            assert response.status_code == 200, response.get_json()
            page = response.get_json()
            messages += page["items"]
            if not page["has_more"]:
                return messages
            after = page["items"][-1]["seq"]

    def ok(self, user, method, path, **kwargs):
        """The JSON body (None for a 204) of a request that must succeed (any 2xx)."""
        response = self.as_user(user, method, path, **kwargs)
        assert 200 <= response.status_code < 300, (response.status_code, response.get_json())
        return None if response.status_code == 204 else response.get_json()

    def add(self, admin, conversation_id, *users):
        """Add users to a group, as an admin of it; returns the conversation's details."""
        return self.ok(admin, "post", f"/conversations/{conversation_id}/participants",
                       json={"user_ids": [u.id for u in users]})

    def react(self, user, message_id, emoji="👍"):
        return self.ok(user, "put", f"/messages/{message_id}/reactions/{quote(emoji)}")

    def events(self, user, conversation_id, after=0, limit=500):
        """The conversation's catch-up log after `after`, replayed page by page to its end."""
        items = []
        while True:
            page = self.ok(user, "get", f"/conversations/{conversation_id}/events",
                           query_string={"after": after, "limit": limit})
            items += page["items"]
            if not page["has_more"]:
                return items
            after = page["items"][-1]["event_seq"]


PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 56  # 64 bytes; the stores do not look inside


def request_image_upload(client, user, conversation_id, content_type="image/png", size=len(PNG_BYTES)):
    """POST /conversations/:id/images; returns the JSON ticket {image_id, upload, expires_in}."""
    response = client.as_user(user, "post", f"/conversations/{conversation_id}/images",
                              json={"content_type": content_type, "size": size})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@dataclass
class Fetched:
    status_code: int
    content: bytes
    headers: dict


def _served_by_test_client(url):
    """URLs the app mints for itself (local storage driver) name the Flask test client's host."""
    return urlsplit(url).netloc == "localhost"


def submit_upload_form(client, ticket, data=PNG_BYTES, content_type=None):
    """POST the presigned upload form as a browser would (its fields first, the file last), to the
    app (local storage driver) or the S3 endpoint. Returns a Fetched."""
    fields = dict(ticket["upload"]["fields"])
    if content_type:
        fields["Content-Type"] = content_type
    url = ticket["upload"]["url"]
    if _served_by_test_client(url):
        response = client.post(urlsplit(url).path, content_type="multipart/form-data",
                               data={**fields, "file": (io.BytesIO(data), "upload", fields["Content-Type"])})
        return Fetched(response.status_code, response.get_data(), dict(response.headers))
    response = requests.post(url, data=fields, files={"file": ("upload", data, fields["Content-Type"])}, timeout=10)
    return Fetched(response.status_code, response.content, dict(response.headers))


def post_upload(client, ticket, data=PNG_BYTES, content_type=None):
    """Upload through the presigned POST; the store must accept it."""
    response = submit_upload_form(client, ticket, data, content_type)
    assert response.status_code in (200, 201, 204), response.content
    return response


def fetch(client, url):
    """GET a signed download URL as a browser would. Returns a Fetched."""
    if _served_by_test_client(url):
        parts = urlsplit(url)
        response = client.get(parts.path, query_string=parts.query)
        return Fetched(response.status_code, response.get_data(), dict(response.headers))
    response = requests.get(url, timeout=10)
    return Fetched(response.status_code, response.content, dict(response.headers))


def uploaded_image(client, user, conversation_id, data=PNG_BYTES, content_type="image/png"):
    """An image uploaded to the store and ready to attach; returns its id."""
    ticket = request_image_upload(client, user, conversation_id, content_type, len(data))
    post_upload(client, ticket, data)
    return ticket["image_id"]


def wait_until(condition, what, timeout=30):
    """Poll `condition` until true; fails (naming `what`, or what `what()` says then) after `timeout`
    seconds. Not a timing assertion: the timeout only bounds how long a broken build takes to fail."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what() if callable(what) else what}")
        time.sleep(0.05)


def log_records(text):
    """The JSON log lines (LOG_FORMAT=json, the default) in a process's output, as dicts."""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def make_admin(app, user):
    with app.app_context():
        db.session.execute(update(UserRow).where(UserRow.id == user.id).values(is_admin=True))
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


def idle_for(app, conversation_ids, days):
    """Make the conversations look as if their last message (and creation) were `days` ago."""
    with app.app_context():
        db.session.execute(update(Conversation).where(Conversation.id.in_(conversation_ids)).values(
            created_at=func.now() - timedelta(days=days + 1),
            last_message_at=case((Conversation.last_message_at.is_(None), None),
                                 else_=func.now() - timedelta(days=days))))
        db.session.commit()


@contextlib.contextmanager
def online(app, user):
    """The user has a live realtime connection (written through the presence functions a realtime
    process uses), kept alive by beating like a realtime process does; offline again on exit."""
    stop = threading.Event()

    def keep_beating():
        with app.app_context():
            while not stop.wait(0.2):
                registry.beat()

    with app.app_context():
        presence.connected(user.id, f"sid-{user.id}")
    beater = threading.Thread(target=keep_beating, daemon=True)
    beater.start()
    try:
        yield
    finally:
        stop.set()
        beater.join()
        with app.app_context():
            presence.disconnected(user.id, f"sid-{user.id}")


def embedded_service(stack, name):
    """The session's embedded "postgres" or "redis" (to restart it); skips the test for an external server."""
    service = stack["embedded"].get(name)
    if service is None:
        pytest.skip(f"{name} is an external server (TEST_{'DATABASE' if name == 'postgres' else 'REDIS'}_URL); "
                    "only the embedded one can be restarted by the tests")
    return service
