"""The wire format of messages, shared by both doors (REST and Socket.IO) and by the events the
services emit: what a client sends to send a message, and what it gets back."""
from flask import current_app
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates

from app import storage
from app.ids import Id
from app.schemas.text import excerpt
from app.schemas.users import PublicUserSchema

REPLY_EXCERPT_CHARS = 100


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
    reply_to_id = Id(metadata={"description": "The message this one replies to: one of the same conversation"})

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


class ReplyToSchema(Schema):
    """The message a reply answers, as it is now."""

    id = fields.Integer()
    seq = fields.Integer()
    sender = fields.Nested(PublicUserSchema, allow_none=True)
    excerpt = fields.Method("_excerpt", allow_none=True, metadata={
        "type": "string", "description": f"The start of its text (at most {REPLY_EXCERPT_CHARS} characters as "
                                         "read); null once it is deleted"})
    deleted = fields.Method("_deleted", metadata={"type": "boolean"})

    def _excerpt(self, parent):
        return None if parent.deleted_at else excerpt(parent.content, REPLY_EXCERPT_CHARS)

    def _deleted(self, parent):
        return parent.deleted_at is not None


class ReactionSchema(Schema):
    emoji = fields.String()
    count = fields.Integer()
    user_ids = fields.List(fields.Integer(), metadata={"description": "Who reacted with it, first first"})


class SystemEventSchema(Schema):
    """What a system message records: a change to the conversation and who made it."""

    type = fields.String(metadata={
        "description": "participants_added (user_ids), participant_removed (user_id; actor_id = user_id when "
                       "they left), role_changed (user_id, role), title_changed (title)"})
    actor_id = fields.Integer(allow_none=True, metadata={"description": "Who made the change; null when the "
                                                                        "service did (a new admin after the last left)"})
    user_ids = fields.List(fields.Integer())
    user_id = fields.Integer()
    role = fields.String()
    title = fields.String(allow_none=True)


class ReactionsByEmoji(fields.List):
    """A message's reaction rows as [{emoji, count, user_ids}], each emoji where it first appeared."""

    def _serialize(self, value, attr, obj, **kwargs):
        groups = {}
        for reaction in value:
            groups.setdefault(reaction.emoji, []).append(reaction.user_id)
        return super()._serialize([{"emoji": emoji, "count": len(user_ids), "user_ids": user_ids}
                                   for emoji, user_ids in groups.items()], attr, obj, **kwargs)


class MessageSchema(Schema):
    id = fields.Integer()
    conversation_id = fields.Integer()
    seq = fields.Integer(metadata={"description": "Gap-free position within the conversation"})
    kind = fields.String(metadata={"description": "user, or system: a record of a change to the conversation "
                                                  "(see event), never searchable, pushed or unread"})
    event = fields.Nested(SystemEventSchema, allow_none=True, metadata={"description": "Null unless kind is system"})
    sender_id = fields.Integer(allow_none=True)
    sender = fields.Nested(PublicUserSchema, allow_none=True)
    content = fields.Method("_content", metadata={"type": "string", "description": "Empty once the message is deleted"})
    client_message_id = fields.String(allow_none=True)
    reply_to = fields.Nested(ReplyToSchema, allow_none=True, metadata={"description": "Null unless a reply"})
    mentions = fields.List(fields.Integer(), metadata={"description": "The participants mentioned by @username"})
    reactions = ReactionsByEmoji(fields.Nested(ReactionSchema))
    created_at = fields.DateTime()
    edited_at = fields.DateTime(allow_none=True, metadata={"description": "When the text was last edited"})
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
