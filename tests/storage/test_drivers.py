"""The storage interface (presigned_post, presigned_get, head, delete_many): every driver keeps it
the same way, checked against the local directory and a real S3 endpoint (moto's server mode)."""
import secrets

import pytest

from app import storage
from tests.helpers import PNG_BYTES, fetch, post_upload

pytestmark = pytest.mark.usefixtures("storage_driver")


@pytest.fixture
def store(app):
    with app.test_request_context():  # the local driver's URLs name the host of the request
        yield storage.photos()


def new_key():
    return f"tests/{secrets.token_hex(8)}.png"


def upload(client, store, key, data=PNG_BYTES, content_type="image/png"):
    form = store.presigned_post(key, content_type, len(data), expires_in=60)
    post_upload(client, {"upload": form}, data)


def test_an_upload_through_the_presigned_form_is_stored_with_its_size_and_type(client, store):
    key = new_key()

    upload(client, store, key)

    assert store.head(key) == storage.StoredObject(size=len(PNG_BYTES), content_type="image/png")


def test_a_presigned_get_downloads_the_stored_bytes(client, store):
    key = new_key()
    upload(client, store, key)

    download = fetch(client, store.presigned_get(key, expires_in=60))

    assert download.status_code == 200
    assert download.content == PNG_BYTES


def test_head_of_a_key_with_nothing_stored_is_none(store):
    assert store.head(new_key()) is None


def test_delete_many_removes_objects_and_counts_missing_ones_as_deleted(client, store):
    kept, deleted, missing = new_key(), new_key(), new_key()
    upload(client, store, kept)
    upload(client, store, deleted)

    refused = store.delete_many([deleted, missing])

    assert refused == set()
    assert store.head(deleted) is None and store.head(missing) is None
    assert store.head(kept) is not None


def test_delete_many_of_nothing_does_nothing(store):
    assert store.delete_many([]) == set()


def test_delete_many_takes_at_most_one_batch(store):
    with pytest.raises(ValueError):
        store.delete_many(new_key() for _ in range(storage.DELETE_BATCH_LIMIT + 1))
