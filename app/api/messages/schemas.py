from flask import current_app
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates

from app.api.users.schemas import PublicUserSchema


class SendMessageSchema(Schema):
    content = fields.String(required=True, metadata={
        "description": "1-4000 characters after trimming. HTML is stripped and `<`, `>`, `&` are "
                       "stored and returned as entities, so content is safe to render as HTML."})
    client_message_id = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9_.:-]{1,64}$"), metadata={
        "description": "Your id for this message (1-64 of A-Z a-z 0-9 _ . : -). Retrying with the same "
                       "id returns the original message instead of a duplicate."})

    @validates("content")
    def _length(self, value, **kwargs):
        limit = current_app.config["MESSAGE_MAX_LENGTH"]
        if not 1 <= len(value.strip()) <= limit:
            raise ValidationError(f"must be 1-{limit} characters after trimming")

    @post_load
    def _trim(self, data, **kwargs):
        data["content"] = data["content"].strip()
        return data


class MessageSchema(Schema):
    id = fields.Integer()
    conversation_id = fields.Integer()
    seq = fields.Integer(metadata={"description": "Gap-free position within the conversation"})
    sender_id = fields.Integer(allow_none=True)
    sender = fields.Nested(PublicUserSchema, allow_none=True)
    content = fields.Method("_content")
    client_message_id = fields.String(allow_none=True)
    created_at = fields.DateTime()
    delivered_at = fields.DateTime(allow_none=True)
    read_at = fields.DateTime(allow_none=True)
    deleted = fields.Method("_deleted")

    def _content(self, message):
        return "" if message.deleted_at else message.content

    def _deleted(self, message):
        return message.deleted_at is not None


class MessagePageQuerySchema(Schema):
    before = fields.Integer(validate=validate.Range(min=1), metadata={"description": "Only seq < before"})
    after = fields.Integer(validate=validate.Range(min=0), metadata={"description": "Only seq > after"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class MessagePageSchema(Schema):
    items = fields.List(fields.Nested(MessageSchema))
    has_more = fields.Boolean(metadata={"description": "More messages lie beyond this page in its direction"})


class SearchQuerySchema(Schema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=500), metadata={
        "description": 'Web-search syntax ("phrase", or, -word) plus filters from:USERNAME, '
                       "before:YYYY-MM-DD, after:YYYY-MM-DD, has:image"})
    cursor = fields.String(validate=validate.Length(max=200))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class SearchHitSchema(Schema):
    message = fields.Nested(MessageSchema)
    rank = fields.Float()
    snippet = fields.String(metadata={"description": "HTML-escaped text; matches wrapped in <mark></mark>"})


class SearchResultsSchema(Schema):
    items = fields.List(fields.Nested(SearchHitSchema))
    next_cursor = fields.String(allow_none=True)


class ReadPositionSchema(Schema):
    conversation_id = fields.Integer()
    user_id = fields.Integer()
    message_id = fields.Integer(metadata={"description": "The newest message the user has read"})
    seq = fields.Integer(metadata={"description": "The user's read position (last_read_seq)"})
    read_at = fields.DateTime(allow_none=True)
