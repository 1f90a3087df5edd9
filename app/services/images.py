"""Message images: presigned uploads, the checks before an image is attached, download URLs.

Flow: a participant asks for an upload (request_upload) and gets an image id plus a presigned
POST; the browser posts the file straight to the store (S3, or the app's /media endpoint with the
local driver); the image is then named in `image_ids` when sending a message
(messages.send_message calls attachable_images), and comes back inside the message with a
short-lived signed GET URL (storage.download_url). Uploads never attached are removed by
image_cleanup.cleanup_images.
"""
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from app import storage
from app.errors import ValidationFailed
from app.extensions import db
from app.models import MessageImage
from app.services.conversations import conversation_for

# Raster formats only: SVG can carry script.
ALLOWED_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}


@dataclass
class UploadTicket:
    image: MessageImage
    upload: dict  # {"url", "fields"}: the presigned POST
    expires_in: int


def check_upload(content_type, size):
    """Raises ValidationFailed unless the declared type is allowed and the size within bounds."""
    if content_type not in ALLOWED_TYPES:
        raise ValidationFailed("content_type", f"must be one of {', '.join(sorted(ALLOWED_TYPES))}")
    max_bytes = current_app.config["IMAGE_MAX_BYTES"]
    if not 1 <= size <= max_bytes:
        raise ValidationFailed("size", f"must be 1-{max_bytes} bytes")


def request_upload(user_id, conversation_id, content_type, size):
    """Register an image the participant is about to upload and mint its presigned POST.

    The POST may store exactly `size` bytes of `content_type`, under a key of the uploader and
    conversation with a random part, until it expires. Nothing is minted for a refused request.
    Raises NotFound (not a participant), ValidationFailed (type or size), ServiceUnavailable.
    """
    conversation_for(user_id, conversation_id)
    check_upload(content_type, size)
    bucket = storage.photos()
    key = (f"images/users/{user_id}/conversations/{conversation_id}/"
           f"{secrets.token_urlsafe(16)}.{ALLOWED_TYPES[content_type]}")
    image = MessageImage(uploader_id=user_id, conversation_id=conversation_id, s3_key=key,
                         content_type=content_type, size=size)
    db.session.add(image)
    db.session.commit()
    expires_in = current_app.config["IMAGE_UPLOAD_EXPIRES_SECONDS"]
    return UploadTicket(image=image, upload=bucket.presigned_post(key, content_type, size, expires_in),
                        expires_in=expires_in)


def attachable_images(sender_id, conversation_id, image_ids):
    """Lock and return the images named for a new message, in the order given.

    Each must have been uploaded by the sender, for this conversation, not be attached yet, and
    be stored with the declared size and type. The rows stay locked (FOR UPDATE) until the
    caller's transaction ends, so two messages cannot both take an image and cleanup cannot
    delete it meanwhile. Raises ValidationFailed("image_ids", ...) naming the first bad image;
    the caller then rolls back and nothing is attached.
    """
    if len(set(image_ids)) != len(image_ids):
        raise ValidationFailed("image_ids", "an image may be named only once")
    rows = db.session.scalars(select(MessageImage).where(MessageImage.id.in_(image_ids))
                              .order_by(MessageImage.id).with_for_update())
    found = {image.id: image for image in rows}
    images = []
    for image_id in image_ids:
        image = found.get(image_id)
        # Another user's image, or one of another conversation, looks the same as a missing one.
        if image is None or image.uploader_id != sender_id or image.conversation_id != conversation_id:
            raise ValidationFailed("image_ids", f"image {image_id} not found")
        if image.message_id is not None:
            raise ValidationFailed("image_ids", f"image {image_id} is already attached to a message")
        images.append(image)
    bucket = storage.photos()
    for image in images:
        stored = bucket.head(image.s3_key)
        if stored is None:
            raise ValidationFailed("image_ids", f"image {image.id} has not been uploaded")
        if stored.size != image.size or stored.content_type != image.content_type:
            raise ValidationFailed(
                "image_ids", f"image {image.id} does not match its declaration "
                             f"({stored.content_type}, {stored.size} bytes stored; "
                             f"{image.content_type}, {image.size} bytes declared)")
    return images
