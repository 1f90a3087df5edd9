"""Small builders for tests: users with tokens, conversations, messages."""
import io
import itertools
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

_names = itertools.count(1)
PASSWORD = "correct horse battery"


@dataclass
class User:
    id: int
    username: str
    token: str
    refresh_token: str

    @property
    def headers(self):
        return {"Authorization": f"Bearer {self.token}"}


class ApiClient:
    """The Flask test client plus builders that go through the public API, as a user would."""

    def __init__(self, http):
        self.http = http

    def __getattr__(self, name):  # get/post/patch/... go straight to the test client
        return getattr(self.http, name)

    def user(self, username=None, password=PASSWORD):
        username = username or f"user{next(_names)}"
        created = self.http.post("/auth/register", json={"username": username, "password": password})
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
