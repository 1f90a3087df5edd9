"""An image sent from one browser shows in the other: upload through the presigned flow, then the
message carries it (docs/images.md)."""
import base64

from tests.helpers import uploaded_image

# A 2x1 PNG: small, and its size shows whether the browser decoded the stored file.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAYAAAD0In+KAAAAEUlEQVR42mP8z8DwnwEKAAAzFAMBqYb4ZAAAAABJRU5ErkJggg==")

# Each image of the open conversation: [seq of its message, decoded width, decoded height].
SHOWN_IMAGES = """
return [...document.querySelectorAll('#message-list img')].map((img) =>
  [Number(img.closest('li').dataset.seq), img.complete ? img.naturalWidth : 0, img.naturalHeight]);
"""


def test_an_image_uploaded_in_one_browser_is_shown_in_the_other(client, pages, tmp_path):
    alice_page, bob_page = pages
    client.user("alice"), client.user("bob")
    picture = tmp_path / "view.png"
    picture.write_bytes(PNG)
    alice_page.log_in("alice")
    bob_page.log_in("bob")
    alice_page.start_conversation(["bob"])

    alice_page.find("#image-input").send_keys(str(picture))
    alice_page.wait(lambda: alice_page.find_all("#attachments [data-state=ready]"), "the upload")
    alice_page.send("the view from here")
    bob_page.open_conversation("alice")
    bob_page.wait_for_message("the view from here", sender="alice")

    for page in pages:
        page.wait(lambda page=page: page.script(SHOWN_IMAGES) == [[1, 2, 1]], "the image to show")
        assert page.console_errors() == []


def test_an_image_whose_signed_url_lapsed_is_shown_again_from_a_fresh_one(client, pages):
    page, _ = pages
    alice, bob = client.user("alice"), client.user("bob")
    conversation = client.conversation(alice, bob)
    client.send(bob, conversation, "look", image_ids=[uploaded_image(client, bob, conversation, PNG)])
    page.log_in("alice")
    page.open_conversation("bob")
    page.wait(lambda: page.script(SHOWN_IMAGES) == [[1, 2, 1]], "the image to show")

    # As when the page stayed open past the URL's expiry: the store now refuses it (403).
    lapsed = page.script("const img = document.querySelector('#message-list img');"
                         "img.src = img.src.replace(/expires=\\d+/, 'expires=1'); return img.src;")

    page.wait(lambda: page.script(SHOWN_IMAGES) == [[1, 2, 1]]
              and page.script("return document.querySelector('#message-list img').src") != lapsed,
              "the image to show again from a fresh URL")
    assert page.console_errors(allowed=["403"]) == []
