"""Payloads of client -> server events. send_message extends the REST door's schema, so both doors
validate alike and a field added there (with its service argument) works here unchanged."""
from marshmallow import Schema, fields, validate

from app.ids import Id
from app.schemas.messages import SendMessageSchema


class SocketSendMessageSchema(SendMessageSchema):
    conversation_id = Id(required=True)


class ConversationRefSchema(Schema):
    conversation_id = Id(required=True)


class MessageRefSchema(Schema):
    message_id = Id(required=True)


class HeartbeatSchema(Schema):
    status = fields.String(load_default="online", validate=validate.OneOf(["online", "away"]))
