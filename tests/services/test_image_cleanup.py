"""cleanup_images against real PostgreSQL, with the local storage driver and with a real S3 endpoint
(moto's server mode)."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from app import storage
from app.extensions import db
from app.models import MessageImage
from app.services.image_cleanup import cleanup_images
from tests.helpers import request_image_upload, uploaded_image

DAY_AND_AN_HOUR = timedelta(hours=25)

pytestmark = pytest.mark.usefixtures("storage_driver")


def age(app, image_ids, by):
    with app.app_context():
        db.session.execute(update(MessageImage).where(MessageImage.id.in_(image_ids))
                           .values(created_at=MessageImage.created_at - by))
        db.session.commit()


def keys_of(app, image_ids):
    with app.app_context():
        return dict(db.session.execute(select(MessageImage.id, MessageImage.s3_key)
                                       .where(MessageImage.id.in_(image_ids))).all())


def surviving(app, keys):
    """The keys that still have both their row and their stored object."""
    with app.app_context():
        rows = set(db.session.scalars(select(MessageImage.s3_key).where(MessageImage.s3_key.in_(keys))))
        return {key for key in keys if key in rows and storage.photos().head(key) is not None}


def in_store(app, keys):
    with app.app_context():
        return {key for key in keys if storage.photos().head(key) is not None}


def test_removes_stale_uploads_and_images_of_deleted_messages_and_keeps_the_rest(client, pair, app):
    alice, _, conversation_id = pair
    stale = uploaded_image(client, alice, conversation_id)
    fresh = uploaded_image(client, alice, conversation_id)
    kept_attached = uploaded_image(client, alice, conversation_id)
    of_deleted = uploaded_image(client, alice, conversation_id)
    client.send(alice, conversation_id, "kept", image_ids=[kept_attached])
    doomed = client.send(alice, conversation_id, "doomed", image_ids=[of_deleted])
    assert client.as_user(alice, "delete", f"/messages/{doomed['id']}").status_code == 200
    age(app, [stale, kept_attached], DAY_AND_AN_HOUR)  # of_deleted goes however young it is
    keys = keys_of(app, [stale, fresh, kept_attached, of_deleted])

    with app.app_context():
        counts = cleanup_images()

    assert counts.as_dict() == {"unattached": 1, "deleted_messages": 1, "failed": 0}
    assert surviving(app, keys.values()) == {keys[fresh], keys[kept_attached]}
    assert in_store(app, [keys[stale], keys[of_deleted]]) == set()


def test_second_run_is_a_no_op(client, pair, app):
    alice, _, conversation_id = pair
    stale = uploaded_image(client, alice, conversation_id)
    fresh = uploaded_image(client, alice, conversation_id)
    age(app, [stale], DAY_AND_AN_HOUR)
    keys = keys_of(app, [stale, fresh])
    with app.app_context():
        cleanup_images()

    with app.app_context():
        again = cleanup_images()

    assert again.as_dict() == {"unattached": 0, "deleted_messages": 0, "failed": 0}
    assert surviving(app, keys.values()) == {keys[fresh]}


def test_unattached_uploads_are_kept_for_24_hours(client, pair, app):
    alice, _, conversation_id = pair
    image_id = uploaded_image(client, alice, conversation_id)
    keys = keys_of(app, [image_id])
    now = datetime.now(timezone.utc)

    with app.app_context():
        early = cleanup_images(now=now + timedelta(hours=23))
    with app.app_context():
        late = cleanup_images(now=now + DAY_AND_AN_HOUR)

    assert (early.unattached, late.unattached) == (0, 1)
    assert surviving(app, keys.values()) == set()


def test_works_through_many_batches(client, pair, app):
    alice, _, conversation_id = pair
    ids = [uploaded_image(client, alice, conversation_id) for _ in range(5)]
    keys = keys_of(app, ids)

    with app.app_context():
        counts = cleanup_images(now=datetime.now(timezone.utc) + DAY_AND_AN_HOUR, batch_size=2)

    assert counts.unattached == 5
    assert surviving(app, keys.values()) == set()
    assert in_store(app, keys.values()) == set()


def test_resumes_after_a_crash_between_the_s3_delete_and_the_row_delete(client, pair, app):
    alice, _, conversation_id = pair
    image_id = uploaded_image(client, alice, conversation_id)
    keys = keys_of(app, [image_id])
    with app.app_context():  # what a run that died after DeleteObjects leaves behind
        assert storage.photos().delete_many(keys.values()) == set()

    with app.app_context():
        counts = cleanup_images(now=datetime.now(timezone.utc) + DAY_AND_AN_HOUR)

    assert counts.unattached == 1
    assert keys_of(app, [image_id]) == {}


def test_uploads_requested_but_never_sent_to_s3_are_cleaned_too(client, pair, app):
    alice, _, conversation_id = pair
    ticket = request_image_upload(client, alice, conversation_id)

    with app.app_context():
        counts = cleanup_images(now=datetime.now(timezone.utc) + DAY_AND_AN_HOUR)

    assert counts.unattached == 1
    assert keys_of(app, [ticket["image_id"]]) == {}


def test_rejects_batches_larger_than_delete_objects_allows(app):
    with app.app_context(), pytest.raises(ValueError):
        cleanup_images(batch_size=1001)
