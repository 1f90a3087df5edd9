from marshmallow import Schema, fields, validate

from app.api.users.schemas import PresenceSchema
from app.schemas.messages import MessageSchema
from app.schemas.users import PublicUserSchema
from app.api.validators import no_nul
from app.ids import Id


class CreateConversationSchema(Schema):
    participant_ids = fields.List(Id(), required=True, validate=validate.Length(min=1), metadata={
        "description": "The other participants' user ids. One id and no title makes a direct conversation. "
                       "With you, at most MAX_GROUP_SIZE (default 500) participants."})
    title = fields.String(validate=no_nul, metadata={
        "description": "1-120 characters once trimmed and HTML is removed; stored and returned as "
                       "docs/api.md's text rule says"})


class ArchiveSchema(Schema):
    archived = fields.Boolean(load_default=True)


class MuteSchema(Schema):
    muted = fields.Boolean(load_default=True)


class MuteStateSchema(Schema):
    conversation_id = fields.Integer()
    muted = fields.Boolean()


class ConversationListQuerySchema(Schema):
    archived = fields.Boolean(load_default=False, metadata={"description": "List archived conversations instead"})
    cursor = fields.String(validate=validate.Length(max=200))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class ParticipantSchema(Schema):
    user = fields.Nested(PublicUserSchema)
    joined_at = fields.DateTime()
    last_read_seq = fields.Integer()
    last_read_message_id = fields.Integer(allow_none=True)
    # Set by conversations routes through presence.attach_presence; absent elsewhere.
    presence = fields.Nested(PresenceSchema, metadata={"description": "Present in conversation details"})


class ConversationSchema(Schema):
    id = fields.Integer(attribute="conversation.id")
    kind = fields.String(attribute="conversation.kind")
    title = fields.String(attribute="conversation.title", allow_none=True)
    created_by = fields.Integer(attribute="conversation.created_by", allow_none=True)
    created_at = fields.DateTime(attribute="conversation.created_at")
    last_message_at = fields.DateTime(attribute="conversation.last_message_at", allow_none=True)
    last_seq = fields.Integer(attribute="conversation.last_seq")
    archived = fields.Function(lambda summary: summary.participant.archived_at is not None)
    muted = fields.Boolean(attribute="participant.muted")
    last_read_seq = fields.Integer(attribute="participant.last_read_seq")
    unread_count = fields.Integer()
    last_message = fields.Nested(MessageSchema, allow_none=True)


class ConversationDetailSchema(ConversationSchema):
    participants = fields.List(fields.Nested(ParticipantSchema), attribute="conversation.participants")


class ConversationPageSchema(Schema):
    items = fields.List(fields.Nested(ConversationSchema))
    next_cursor = fields.String(allow_none=True)


class ArchiveStateSchema(Schema):
    conversation_id = fields.Integer()
    archived = fields.Function(lambda participant: participant.archived_at is not None)
    archived_at = fields.DateTime(allow_none=True)
