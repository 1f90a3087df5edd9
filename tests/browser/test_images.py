"""An image sent from one browser shows in the other: upload through the presigned flow, then the
message carries it (docs/images.md)."""
import base64

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
