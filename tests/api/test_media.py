"""/media: what the local storage driver enforces on uploads and serves on downloads."""
import os
import secrets

import pytest

from app import storage
from tests.helpers import PNG_BYTES, fetch, request_image_upload, submit_upload_form


@pytest.fixture
def store(app):
    with app.test_request_context():
        yield storage.photos()


def stored(app, key):
    with app.app_context():
        return storage.photos().head(key)


def leftovers(app, key):
    """Files in the key's directory other than finished objects and their type files."""
    directory = os.path.join(app.config["MEDIA_ROOT"], os.path.dirname(key))
    return [name for name in os.listdir(directory) if name.startswith(".upload-")] if os.path.isdir(directory) else []


def signed_form(store, content_type="text/plain", data=b"plain text"):
    key = f"tests/{secrets.token_hex(8)}.bin"
    return key, {"upload": store.presigned_post(key, content_type, len(data), expires_in=60)}


# --- Uploads ----------------------------------------------------------------------------------

def test_the_signed_form_stores_the_file(client, pair, app):
    alice, _, conversation_id = pair
    ticket = request_image_upload(client, alice, conversation_id)

    response = submit_upload_form(client, ticket)

    assert response.status_code == 204
    assert stored(app, ticket["upload"]["fields"]["key"]) == storage.StoredObject(len(PNG_BYTES), "image/png")


@pytest.mark.parametrize("data", [PNG_BYTES + b"x", PNG_BYTES[:-1]], ids=["larger", "smaller"])
def test_a_file_of_another_size_than_declared_is_refused_and_nothing_is_left(client, pair, app, data):
    alice, _, conversation_id = pair
    ticket = request_image_upload(client, alice, conversation_id)
    key = ticket["upload"]["fields"]["key"]

    response = submit_upload_form(client, ticket, data)

    assert response.status_code == 422
    assert b'"file"' in response.content
    assert stored(app, key) is None
    assert leftovers(app, key) == []


def test_another_content_type_than_signed_is_refused(client, pair, app):
    alice, _, conversation_id = pair
    ticket = request_image_upload(client, alice, conversation_id)

    response = submit_upload_form(client, ticket, content_type="text/html")

    assert response.status_code == 403
    assert stored(app, ticket["upload"]["fields"]["key"]) is None


def test_another_key_than_signed_is_refused(client, pair, app):
    alice, _, conversation_id = pair
    ticket = request_image_upload(client, alice, conversation_id)
    elsewhere = f"images/users/{alice.id}/conversations/{conversation_id}/chosen.png"
    ticket["upload"]["fields"]["key"] = elsewhere

    response = submit_upload_form(client, ticket)

    assert response.status_code == 403
    assert stored(app, elsewhere) is None


def test_a_policy_changed_after_signing_is_refused(client, pair, app):
    alice, _, conversation_id = pair
    small, large = request_image_upload(client, alice, conversation_id, size=1), request_image_upload(client, alice, conversation_id)
    small["upload"]["fields"]["policy"] = large["upload"]["fields"]["policy"]

    response = submit_upload_form(client, small)

    assert response.status_code == 403


def test_a_signature_with_non_ascii_characters_is_refused_like_any_other(client, pair):
    alice, _, conversation_id = pair
    ticket = request_image_upload(client, alice, conversation_id)
    ticket["upload"]["fields"]["signature"] = "é" * 64

    response = submit_upload_form(client, ticket)

    assert response.status_code == 403


def test_an_expired_upload_form_is_refused(client, pair, app, monkeypatch):
    alice, _, conversation_id = pair
    monkeypatch.setitem(app.config, "IMAGE_UPLOAD_EXPIRES_SECONDS", -1)
    ticket = request_image_upload(client, alice, conversation_id)

    response = submit_upload_form(client, ticket)

    assert response.status_code == 403
    assert b"expired" in response.content


def test_the_file_must_come_after_the_fields(client, pair):
    alice, _, conversation_id = pair
    fields = request_image_upload(client, alice, conversation_id)["upload"]["fields"]
    boundary = "b0undary"
    parts = [("file", PNG_BYTES, 'filename="upload"'), *((name, value.encode(), None) for name, value in fields.items())]
    body = b"".join(b"--%s\r\nContent-Disposition: form-data; name=\"%s\"%s\r\n\r\n%s\r\n" % (
        boundary.encode(), name.encode(), b"; " + extra.encode() if extra else b"", value) for name, value, extra in parts)
    body += b"--%s--\r\n" % boundary.encode()

    response = client.post("/media/upload", data=body, content_type=f"multipart/form-data; boundary={boundary}")

    assert response.status_code == 400
    assert "before the file" in response.get_json()["error"]["message"]


# --- Downloads --------------------------------------------------------------------------------

def test_an_image_is_served_inline_with_its_type_and_nosniff(client, store):
    key, form = signed_form(store, "image/png", PNG_BYTES)
    submit_upload_form(client, form, PNG_BYTES)

    response = fetch(client, store.presigned_get(key, 60))

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert not response.headers.get("Content-Disposition", "").startswith("attachment")


def test_anything_but_a_raster_image_is_served_as_an_attachment(client, store):
    key, form = signed_form(store)
    submit_upload_form(client, form, b"plain text")

    response = fetch(client, store.presigned_get(key, 60))

    assert response.content == b"plain text"
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment")


def test_a_download_url_with_another_key_or_a_forged_signature_is_refused(client, store):
    key, form = signed_form(store)
    submit_upload_form(client, form, b"plain text")
    other, other_form = signed_form(store)
    submit_upload_form(client, other_form, b"plain text")
    url = store.presigned_get(key, 60)

    forged = fetch(client, url[:-4] + "0000")
    other_key = fetch(client, url.replace(key, other))

    assert forged.status_code == other_key.status_code == 403


def test_a_download_signature_with_non_ascii_characters_is_refused_like_any_other(client, store):
    key, form = signed_form(store)
    submit_upload_form(client, form, b"plain text")

    response = client.get(f"/media/{key}", query_string={"expires": 9999999999, "signature": "𝓣𝓱𝓮 é"})

    assert response.status_code == 403


def test_an_expired_download_url_is_refused(client, store):
    key, form = signed_form(store)
    submit_upload_form(client, form, b"plain text")

    response = fetch(client, store.presigned_get(key, -1))

    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/media/../dev-jwt-secret", "/media/tests/..%2F..%2Fsecret", "/media/.hidden.type"])
def test_keys_that_leave_the_media_directory_or_name_its_own_files_are_not_found(client, path):
    response = client.get(path, query_string={"expires": 9999999999, "signature": "0" * 64})

    assert response.status_code == 404


def test_media_endpoints_are_not_there_with_the_s3_driver(client, app, monkeypatch, s3_settings):
    for name, value in s3_settings.items():
        monkeypatch.setitem(app.config, name, value)

    response = client.post("/media/upload")

    assert response.status_code == 404
