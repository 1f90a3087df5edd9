"""Payloads of client -> server events. send_message extends the REST door's schema, so both doors
validate alike and a field added there (with its service argument) works here unchanged."""
from marshmallow import Schema, fields, validate

from app.schemas.messages import SendMessageSchema


def _id(**kwargs):
    return fields.Integer(required=True, strict=True, validate=validate.Range(min=1), **kwargs)


class SocketSendMessageSchema(SendMessageSchema):
    conversation_id = _id()


class ConversationRefSchema(Schema):
    conversation_id = _id()


class MessageRefSchema(Schema):
    message_id = _id()


class HeartbeatSchema(Schema):
    status = fields.String(load_default="online", validate=validate.OneOf(["online", "away"]))
