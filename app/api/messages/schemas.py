from marshmallow import Schema, fields, validate

from app.api.validators import no_nul
from app.schemas.messages import MessageSchema


class EditMessageSchema(Schema):
    content = fields.String(required=True, metadata={
        "description": "The new text, under the rules of sending: 1-4000 characters (MESSAGE_MAX_LENGTH) once "
                       "trimmed and HTML is removed. May be empty when the message has images."})


class VersionSchema(Schema):
    content = fields.String()
    written_at = fields.DateTime(metadata={"description": "When this text was sent, or edited in"})


class HistorySchema(Schema):
    items = fields.List(fields.Nested(VersionSchema), metadata={
        "description": "Oldest first; the last is the current text. Empty for deleted and system messages."})


class ReadReceiptSchema(Schema):
    user_id = fields.Integer()
    read_at = fields.DateTime(attribute="at", allow_none=True, metadata={
        "description": "When their read position last moved (to this message or past it)"})


class DeliveryReceiptSchema(Schema):
    user_id = fields.Integer()
    delivered_at = fields.DateTime(attribute="at", allow_none=True, metadata={
        "description": "When their delivery position last moved (to this message or past it)"})


class ReceiptsSchema(Schema):
    read_by = fields.List(fields.Nested(ReadReceiptSchema))
    delivered_to = fields.List(fields.Nested(DeliveryReceiptSchema))


class MessagePageQuerySchema(Schema):
    before = fields.Integer(validate=validate.Range(min=1), metadata={"description": "Only seq < before"})
    after = fields.Integer(validate=validate.Range(min=0), metadata={"description": "Only seq > after"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class MessagePageSchema(Schema):
    items = fields.List(fields.Nested(MessageSchema))
    has_more = fields.Boolean(metadata={"description": "More messages lie beyond this page in its direction"})


class SearchQuerySchema(Schema):
    q = fields.String(required=True, validate=[validate.Length(min=1, max=500), no_nul], metadata={
        "description": 'Web-search syntax ("phrase", or, -word) plus filters from:USERNAME, '
                       "before:YYYY-MM-DD, after:YYYY-MM-DD, has:image. Whole words match by their "
                       "English stem, ignoring letter case and accents (cafe finds café)",
        "example": '"dinner plans" from:alice after:2026-01-31'})
    cursor = fields.String(validate=validate.Length(max=200))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class SearchHitSchema(Schema):
    message = fields.Nested(MessageSchema)
    rank = fields.Float()
    snippet = fields.String(metadata={"description": "HTML-escaped text; matches wrapped in <mark></mark>"})


class SearchResultsSchema(Schema):
    items = fields.List(fields.Nested(SearchHitSchema))
    next_cursor = fields.String(allow_none=True)


