"""The wire format of participants and of the changes to a conversation, shared by the REST door
and the events (and the catch-up log) the services emit."""
from marshmallow import Schema, fields

from app.schemas.messages import MessageSchema
from app.schemas.users import PublicUserSchema


class ParticipantSchema(Schema):
    user = fields.Nested(PublicUserSchema)
    role = fields.String(metadata={"description": "admin or member (direct conversations have members only)"})
    joined_at = fields.DateTime()
    last_read_seq = fields.Integer()
    last_read_message_id = fields.Integer(allow_none=True)


# Built once: a schema holds no per-dump state, and building one (fields deep-copied, nested schemas
# bound) cost more than the dump itself on every message sent (bench/RESULTS.md, target 1).
_MESSAGE = MessageSchema()


def message_event(event_seq, message):
    """The payload of a change to a message (message_received, message_edited, message_deleted)."""
    return {"event_seq": event_seq, "message": _MESSAGE.dump(message)}
