"""Images: presigned uploads, attaching them to messages, download URLs in message payloads, and
deleting messages; each test runs with the local storage driver and with a real S3 endpoint
(moto's server mode), except where one driver's own shape is checked."""
import base64
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import MessageImage
from tests.helpers import PNG_BYTES, ApiClient, fetch, post_upload, request_image_upload, uploaded_image

pytestmark = pytest.mark.usefixtures("storage_driver")
s3_only = pytest.mark.parametrize("storage_driver", ["s3"], indirect=True)
local_only = pytest.mark.parametrize("storage_driver", ["local"], indirect=True)
# What a minted download URL carries, by driver: none may reach a non-participant.
SIGNATURE_MARK = {"s3": "X-Amz-Signature", "local": "signature="}
# What each driver's upload policy pins beyond key, type and size, and the fields that sign it.
POLICY_PINS = {"s3": [{"bucket": "photos"}], "local": []}
SIGNATURE_FIELDS = {"s3": {"x-amz-signature", "x-amz-credential", "x-amz-algorithm", "x-amz-date"},
                    "local": {"signature"}}


def signed_policy(ticket):
    return json.loads(base64.b64decode(ticket["upload"]["fields"]["policy"]))


def image_rows(app):
    with app.app_context():
        return {row.id: row.message_id for row in db.session.execute(select(MessageImage.id, MessageImage.message_id))}


def history(client, user, conversation_id):
    response = client.as_user(user, "get", f"/conversations/{conversation_id}/messages")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def send(client, user, conversation_id, **body):
    return client.as_user(user, "post", f"/conversations/{conversation_id}/messages", json=body)


# --- Upload requests --------------------------------------------------------------------------

def test_upload_policy_pins_type_exact_size_key_and_short_expiry(client, pair, storage_driver):
    alice, _, conversation_id = pair
    before = datetime.now(timezone.utc)

    ticket = request_image_upload(client, alice, conversation_id, "image/jpeg", 12345)

    policy = signed_policy(ticket)
    conditions = policy["conditions"]
    key = ticket["upload"]["fields"]["key"]
    assert {"Content-Type": "image/jpeg"} in conditions
    assert ["content-length-range", 12345, 12345] in conditions
    assert {"key": key} in conditions
    assert all(condition in conditions for condition in POLICY_PINS[storage_driver])
    assert key.startswith(f"images/users/{alice.id}/conversations/{conversation_id}/") and key.endswith(".jpg")
    expiration = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert ticket["expires_in"] == 300
    assert before < expiration <= before + timedelta(seconds=300 + 5)
    assert SIGNATURE_FIELDS[storage_driver] <= set(ticket["upload"]["fields"])


def test_each_upload_gets_its_own_random_key(client, pair):
    alice, _, conversation_id = pair

    first = request_image_upload(client, alice, conversation_id)
    second = request_image_upload(client, alice, conversation_id)

    assert first["image_id"] != second["image_id"]
    assert first["upload"]["fields"]["key"] != second["upload"]["fields"]["key"]


@pytest.mark.parametrize("content_type", ["image/svg+xml", "text/html", "application/pdf", "image/JPEG", ""])
def test_upload_of_a_type_other_than_jpeg_png_webp_gif_is_refused_before_minting(client, pair, app, content_type):
    alice, _, conversation_id = pair

    response = client.as_user(alice, "post", f"/conversations/{conversation_id}/images",
                              json={"content_type": content_type, "size": 100})

    assert response.status_code == 422
    assert "content_type" in response.get_json()["error"]["details"]["fields"]
    assert "upload" not in response.get_json()
    assert image_rows(app) == {}


@pytest.mark.parametrize("size", [0, -1, 10 * 1024 * 1024 + 1])
def test_upload_of_an_empty_or_oversized_file_is_refused(client, pair, app, size):
    alice, _, conversation_id = pair

    response = client.as_user(alice, "post", f"/conversations/{conversation_id}/images",
                              json={"content_type": "image/png", "size": size})

    assert response.status_code == 422
    assert "size" in response.get_json()["error"]["details"]["fields"]
    assert image_rows(app) == {}


def test_max_image_size_is_configurable(client, pair, app, monkeypatch):
    alice, _, conversation_id = pair
    monkeypatch.setitem(app.config, "IMAGE_MAX_BYTES", 1000)

    response = client.as_user(alice, "post", f"/conversations/{conversation_id}/images",
                              json={"content_type": "image/png", "size": 1001})

    assert response.status_code == 422


def test_non_participant_cannot_request_an_upload(client, pair, app):
    _, _, conversation_id = pair
    mallory = client.user("mallory")

    response = client.as_user(mallory, "post", f"/conversations/{conversation_id}/images",
                              json={"content_type": "image/png", "size": 100})

    assert response.status_code == 404
    assert image_rows(app) == {}


# --- Sending with images ----------------------------------------------------------------------

def test_uploaded_image_comes_back_in_the_message_with_a_fetchable_url(client, pair):
    alice, bob, conversation_id = pair
    image_id = uploaded_image(client, alice, conversation_id)

    response = send(client, alice, conversation_id, content="look", image_ids=[image_id])

    assert response.status_code == 201, response.get_json()
    [image] = response.get_json()["images"]
    assert image["id"] == image_id and image["content_type"] == "image/png" and image["size"] == len(PNG_BYTES)
    [seen_by_bob] = history(client, bob, conversation_id)[0]["images"]
    download = fetch(client, seen_by_bob["url"])
    assert download.status_code == 200
    assert download.content == PNG_BYTES


@s3_only
def test_presigned_urls_point_at_the_public_endpoint_when_one_is_configured(make_app, s3_settings):
    # Same store, reached by another name: as MinIO is by the services (minio:9000) and by browsers (localhost:9000).
    public = s3_settings["S3_ENDPOINT_URL"].replace("127.0.0.1", "localhost")
    behind_proxy = ApiClient(make_app({**s3_settings, "S3_PUBLIC_ENDPOINT_URL": public}).test_client())
    alice, bob = behind_proxy.user("alice"), behind_proxy.user("bob")
    conversation_id = behind_proxy.conversation(alice, bob)

    ticket = request_image_upload(behind_proxy, alice, conversation_id)
    post_upload(behind_proxy, ticket)
    sent = send(behind_proxy, alice, conversation_id, image_ids=[ticket["image_id"]])

    assert ticket["upload"]["url"].startswith(public)
    assert sent.status_code == 201, sent.get_json()  # the HEAD check went to S3_ENDPOINT_URL
    [image] = sent.get_json()["images"]
    assert image["url"].startswith(public)
    assert fetch(behind_proxy, image["url"]).content == PNG_BYTES


@s3_only
def test_download_url_is_presigned_with_short_expiry(client, pair):
    alice, _, conversation_id = pair
    image_id = uploaded_image(client, alice, conversation_id)

    [image] = send(client, alice, conversation_id, image_ids=[image_id]).get_json()["images"]

    assert "X-Amz-Signature=" in image["url"]
    assert "X-Amz-Expires=900" in image["url"]


@local_only
def test_local_download_url_is_signed_with_short_expiry(client, pair):
    alice, _, conversation_id = pair
    image_id = uploaded_image(client, alice, conversation_id)
    before = int(datetime.now(timezone.utc).timestamp())

    [image] = send(client, alice, conversation_id, image_ids=[image_id]).get_json()["images"]

    query = dict(part.split("=", 1) for part in image["url"].split("?", 1)[1].split("&"))
    assert image["url"].startswith("http://localhost/media/images/")
    assert set(query) == {"expires", "signature"}
    assert before + 900 <= int(query["expires"]) <= before + 900 + 5


def test_message_may_be_images_only(client, pair):
    alice, bob, conversation_id = pair
    first, second = uploaded_image(client, alice, conversation_id), uploaded_image(client, alice, conversation_id)

    response = send(client, alice, conversation_id, image_ids=[second, first])

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["content"] == ""
    assert [image["id"] for image in history(client, bob, conversation_id)[0]["images"]] == sorted([first, second])


def test_text_is_still_sanitized_next_to_images(client, pair):
    alice, _, conversation_id = pair
    image_id = uploaded_image(client, alice, conversation_id)

    response = send(client, alice, conversation_id, content="<b>hi</b> <script>x</script>", image_ids=[image_id])

    assert response.get_json()["content"] == "hi x"


def test_message_with_neither_text_nor_images_is_refused(client, pair):
    alice, _, conversation_id = pair

    for body in ({}, {"content": "   "}, {"content": "", "image_ids": []}):
        response = send(client, alice, conversation_id, **body)
        assert response.status_code == 422, body
        assert "content" in response.get_json()["error"]["details"]["fields"]


def test_more_images_than_configured_are_refused(client, pair, app, monkeypatch):
    alice, _, conversation_id = pair
    monkeypatch.setitem(app.config, "MESSAGE_MAX_IMAGES", 2)
    ids = [uploaded_image(client, alice, conversation_id) for _ in range(3)]

    response = send(client, alice, conversation_id, image_ids=ids)

    assert response.status_code == 422
    assert "image_ids" in response.get_json()["error"]["details"]["fields"]
    assert set(image_rows(app).values()) == {None}


def test_another_users_image_cannot_be_attached(client, pair, app):
    alice, bob, conversation_id = pair
    bobs_image = uploaded_image(client, bob, conversation_id)

    response = send(client, alice, conversation_id, content="refused", image_ids=[bobs_image])

    assert response.status_code == 422
    assert response.get_json()["error"]["details"]["fields"]["image_ids"] == [f"image {bobs_image} not found"]
    assert image_rows(app) == {bobs_image: None}
    assert history(client, alice, conversation_id) == []


def test_image_uploaded_for_another_conversation_cannot_be_attached(client, pair, app):
    alice, bob, conversation_id = pair
    other_conversation = client.conversation(alice, client.user("carol"))
    elsewhere = uploaded_image(client, alice, other_conversation)

    response = send(client, alice, conversation_id, content="refused", image_ids=[elsewhere])

    assert response.status_code == 422
    assert "image_ids" in response.get_json()["error"]["details"]["fields"]
    assert image_rows(app) == {elsewhere: None}
    assert history(client, alice, conversation_id) == []


def test_image_already_attached_cannot_be_attached_again(client, pair, app):
    alice, _, conversation_id = pair
    image_id = uploaded_image(client, alice, conversation_id)
    first = send(client, alice, conversation_id, content="first", image_ids=[image_id]).get_json()

    response = send(client, alice, conversation_id, content="refused", image_ids=[image_id])

    assert response.status_code == 422
    assert "already attached" in response.get_json()["error"]["details"]["fields"]["image_ids"][0]
    assert image_rows(app) == {image_id: first["id"]}
    assert [m["content"] for m in history(client, alice, conversation_id)] == ["first"]


def test_image_never_uploaded_cannot_be_attached(client, pair, app):
    alice, _, conversation_id = pair
    ticket = request_image_upload(client, alice, conversation_id)

    response = send(client, alice, conversation_id, content="refused", image_ids=[ticket["image_id"]])

    assert response.status_code == 422
    assert "has not been uploaded" in response.get_json()["error"]["details"]["fields"]["image_ids"][0]
    assert image_rows(app) == {ticket["image_id"]: None}
    assert history(client, alice, conversation_id) == []


def test_unknown_image_id_cannot_be_attached(client, pair):
    alice, _, conversation_id = pair

    response = send(client, alice, conversation_id, content="refused", image_ids=[999999])

    assert response.status_code == 422
    assert history(client, alice, conversation_id) == []


@s3_only
def test_image_whose_stored_size_differs_from_the_declared_one_is_refused(client, pair, app):
    alice, _, conversation_id = pair
    ticket = request_image_upload(client, alice, conversation_id, "image/png", len(PNG_BYTES))
    post_upload(client, ticket, PNG_BYTES + b"extra")  # moto does not enforce the signed size range; S3 would

    response = send(client, alice, conversation_id, content="refused", image_ids=[ticket["image_id"]])

    assert response.status_code == 422
    assert "does not match" in response.get_json()["error"]["details"]["fields"]["image_ids"][0]
    assert image_rows(app) == {ticket["image_id"]: None}
    assert history(client, alice, conversation_id) == []


@s3_only
def test_image_whose_stored_type_differs_from_the_declared_one_is_refused(client, pair, app):
    alice, _, conversation_id = pair
    ticket = request_image_upload(client, alice, conversation_id, "image/png", len(PNG_BYTES))
    post_upload(client, ticket, PNG_BYTES, content_type="text/html")  # moto does not enforce the signed type either

    response = send(client, alice, conversation_id, content="refused", image_ids=[ticket["image_id"]])

    assert response.status_code == 422
    assert "does not match" in response.get_json()["error"]["details"]["fields"]["image_ids"][0]
    assert history(client, alice, conversation_id) == []


def test_one_bad_image_attaches_none_and_the_good_one_stays_usable(client, pair, app):
    alice, bob, conversation_id = pair
    good = uploaded_image(client, alice, conversation_id)
    bobs = uploaded_image(client, bob, conversation_id)

    refused = send(client, alice, conversation_id, content="refused", image_ids=[good, bobs])
    accepted = send(client, alice, conversation_id, content="again", image_ids=[good])

    assert refused.status_code == 422
    assert accepted.status_code == 201
    assert image_rows(app) == {good: accepted.get_json()["id"], bobs: None}


def test_the_same_image_twice_in_one_message_is_refused(client, pair):
    alice, _, conversation_id = pair
    image_id = uploaded_image(client, alice, conversation_id)

    response = send(client, alice, conversation_id, image_ids=[image_id, image_id])

    assert response.status_code == 422
    assert "image_ids" in response.get_json()["error"]["details"]["fields"]


def test_retry_with_same_client_message_id_returns_the_original_with_its_images(client, pair, app):
    alice, _, conversation_id = pair
    image_id = uploaded_image(client, alice, conversation_id)
    first = send(client, alice, conversation_id, image_ids=[image_id], client_message_id="m-1")

    retry = send(client, alice, conversation_id, image_ids=[image_id], client_message_id="m-1")

    assert retry.status_code == 200
    assert retry.get_json()["id"] == first.get_json()["id"]
    assert [image["id"] for image in retry.get_json()["images"]] == [image_id]


def test_image_urls_are_never_shown_to_non_participants(client, pair, storage_driver):
    alice, _, conversation_id = pair
    image_id = uploaded_image(client, alice, conversation_id)
    message = send(client, alice, conversation_id, content="private", image_ids=[image_id]).get_json()
    mallory = client.user("mallory")

    responses = [client.as_user(mallory, "get", f"/conversations/{conversation_id}/messages"),
                 client.as_user(mallory, "get", "/messages/search?q=private"),
                 client.as_user(mallory, "delete", f"/messages/{message['id']}")]

    assert [r.status_code for r in responses[::2]] == [404, 404]
    assert responses[1].get_json()["items"] == []
    assert all(SIGNATURE_MARK[storage_driver] not in r.get_data(as_text=True) for r in responses)


# --- Deleting messages ------------------------------------------------------------------------

def test_sender_deletes_own_message_which_loses_text_and_images(client, pair, app):
    alice, bob, conversation_id = pair
    image_id = uploaded_image(client, alice, conversation_id)
    message = send(client, alice, conversation_id, content="oops", image_ids=[image_id]).get_json()

    response = client.as_user(alice, "delete", f"/messages/{message['id']}")

    assert response.status_code == 200
    body = response.get_json()
    assert body["deleted"] is True and body["content"] == "" and body["images"] == []
    [seen_by_bob] = history(client, bob, conversation_id)
    assert seen_by_bob["deleted"] is True and seen_by_bob["content"] == "" and seen_by_bob["images"] == []
    with app.app_context():
        from app.models import Message
        assert db.session.get(Message, message["id"]).content == ""
        assert db.session.scalar(select(func.count()).select_from(MessageImage)) == 1  # until cleanup


def test_deleting_twice_is_harmless(client, pair):
    alice, _, conversation_id = pair
    message = client.send(alice, conversation_id, "oops")
    first = client.as_user(alice, "delete", f"/messages/{message['id']}")

    second = client.as_user(alice, "delete", f"/messages/{message['id']}")

    assert second.status_code == 200
    assert second.get_json()["deleted"] is True
    assert second.get_json()["id"] == first.get_json()["id"]


def test_participant_cannot_delete_someone_elses_message(client, pair):
    alice, bob, conversation_id = pair
    message = client.send(alice, conversation_id, "mine")

    response = client.as_user(bob, "delete", f"/messages/{message['id']}")

    assert response.status_code == 403
    assert history(client, bob, conversation_id)[0]["content"] == "mine"


def test_non_participant_gets_404_for_delete_as_for_a_missing_message(client, pair):
    alice, _, conversation_id = pair
    message = client.send(alice, conversation_id, "mine")
    mallory = client.user("mallory")

    existing = client.as_user(mallory, "delete", f"/messages/{message['id']}")
    missing = client.as_user(mallory, "delete", "/messages/999999")

    assert existing.status_code == missing.status_code == 404
    assert existing.get_json() == missing.get_json()
    assert history(client, alice, conversation_id)[0]["content"] == "mine"


# --- Failures and races -----------------------------------------------------------------------

@s3_only
def test_send_with_images_while_s3_is_unreachable_is_503_and_attaches_nothing(client, pair, app, monkeypatch):
    from app.storage import S3Bucket

    alice, _, conversation_id = pair
    image_id = uploaded_image(client, alice, conversation_id)
    unreachable = S3Bucket.from_settings({**app.config, "S3_ENDPOINT_URL": "http://127.0.0.1:9"})
    monkeypatch.setitem(app.extensions["storage"], "s3", unreachable)

    response = send(client, alice, conversation_id, content="refused", image_ids=[image_id])

    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "service_unavailable"
    assert image_rows(app) == {image_id: None}


def test_two_messages_racing_for_one_image_attach_it_once(client, pair, app):
    import threading

    alice, _, conversation_id = pair
    image_id = uploaded_image(client, alice, conversation_id)
    barrier = threading.Barrier(2)
    results = []

    def race(text):
        http = app.test_client()
        barrier.wait()
        response = http.post(f"/conversations/{conversation_id}/messages", headers=alice.headers,
                             json={"content": text, "image_ids": [image_id]})
        results.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=race, args=(text,)) for text in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(status for status, _ in results) == [201, 422]
    [winner] = [body for status, body in results if status == 201]
    assert image_rows(app) == {image_id: winner["id"]}
    assert [m["content"] for m in history(client, alice, conversation_id)] == [winner["content"]]
