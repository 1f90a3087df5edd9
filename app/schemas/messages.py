"""The wire format of messages, shared by both doors (REST and Socket.IO) and by the events the
services emit: what a client sends to send a message, and what it gets back."""
from flask import current_app
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates

from app import storage
from app.ids import Id
from app.schemas.users import PublicUserSchema


class SendMessageSchema(Schema):
    content = fields.String(metadata={
        "description": "1-4000 characters (MESSAGE_MAX_LENGTH) once trimmed and HTML is removed, counted "
                       "as a reader sees them. `<`, `>`, `&` are stored and returned as entities, so "
                       "content is safe to render as HTML. Optional when image_ids is given."})
    image_ids = fields.List(Id(), metadata={
        "description": "Images from POST /conversations/{id}/images, uploaded by you to this "
                       "conversation and not yet attached (at most MESSAGE_MAX_IMAGES, default 10)."})
    client_message_id = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9_.:-]{1,64}$"), metadata={
        "description": "Your id for this message (1-64 of A-Z a-z 0-9 _ . : -). Retrying with the same "
                       "id returns the original message instead of a duplicate."})

    @validates("image_ids")
    def _image_count(self, value, **kwargs):
        limit = current_app.config["MESSAGE_MAX_IMAGES"]
        if len(value) > limit:
            raise ValidationError(f"at most {limit} images per message")

    @post_load
    def _trim(self, data, **kwargs):
        data["content"] = data.get("content", "").strip()
        data["image_ids"] = data.get("image_ids", [])
        return data


class ImageSchema(Schema):
    id = fields.Integer()
    content_type = fields.String()
    size = fields.Integer(metadata={"description": "Bytes"})
    url = fields.Function(lambda image: storage.download_url(image.s3_key), metadata={
        "type": "string", "description": "Signed download URL; expires after IMAGE_URL_EXPIRES_SECONDS (default 900)"})


class ImagesOfLiveMessage(fields.List):
    """A message's images; none once the message is deleted (their files await cleanup)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return [] if obj.deleted_at else super()._serialize(value, attr, obj, **kwargs)


class MessageSchema(Schema):
    id = fields.Integer()
    conversation_id = fields.Integer()
    seq = fields.Integer(metadata={"description": "Gap-free position within the conversation"})
    sender_id = fields.Integer(allow_none=True)
    sender = fields.Nested(PublicUserSchema, allow_none=True)
    content = fields.Method("_content", metadata={"type": "string", "description": "Empty once the message is deleted"})
    client_message_id = fields.String(allow_none=True)
    created_at = fields.DateTime()
    delivered_at = fields.DateTime(allow_none=True)
    read_at = fields.DateTime(allow_none=True)
    deleted = fields.Method("_deleted", metadata={"type": "boolean"})
    # Every output of this schema goes to participants only: the image URLs are minted here.
    images = ImagesOfLiveMessage(fields.Nested(ImageSchema), metadata={"description": "Empty once the message is deleted"})

    def _content(self, message):
        return "" if message.deleted_at else message.content

    def _deleted(self, message):
        return message.deleted_at is not None


class ReadPositionSchema(Schema):
    conversation_id = fields.Integer()
    user_id = fields.Integer()
    message_id = fields.Integer(metadata={"description": "The newest message the user has read"})
    seq = fields.Integer(metadata={"description": "The user's read position (last_read_seq)"})
    read_at = fields.DateTime(allow_none=True)
