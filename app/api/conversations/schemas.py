from marshmallow import Schema, fields, validate

from app.api.users.schemas import PresenceSchema
from app.api.validators import no_nul
from app.ids import Id
from app.models.conversation import ROLES
from app.schemas.conversations import ParticipantSchema
from app.schemas.messages import MessageSchema

TITLE_DESCRIPTION = ("1-120 characters once trimmed and HTML is removed; stored and returned as docs/api.md's "
                     "text rule says")


class CreateConversationSchema(Schema):
    participant_ids = fields.List(Id(), required=True, validate=validate.Length(min=1), metadata={
        "description": "The other participants' user ids. One id and no title makes a direct conversation. "
                       "With you, at most MAX_GROUP_SIZE (default 500) participants."})
    title = fields.String(validate=no_nul, metadata={"description": TITLE_DESCRIPTION})


class UpdateConversationSchema(Schema):
    title = fields.String(required=True, allow_none=True, validate=no_nul, metadata={
        "description": TITLE_DESCRIPTION + "; null for none"})


class AddParticipantsSchema(Schema):
    user_ids = fields.List(Id(), required=True, validate=validate.Length(min=1), metadata={
        "description": "Users to add; those taking part already are ignored. With them, at most MAX_GROUP_SIZE "
                       "(default 500) participants."})


class RoleSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class EventQuerySchema(Schema):
    after = fields.Integer(load_default=0, validate=validate.Range(min=0), metadata={
        "description": "Only event_seq > after: the last event_seq you applied"})
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class ConversationEventSchema(Schema):
    event_seq = fields.Integer(metadata={"description": "Gap-free position in the conversation's log"})
    type = fields.String(metadata={"description": "The Socket.IO event that announced the change "
                                                  "(a new message is message_received, also for its sender)"})
    payload = fields.Dict(metadata={"description": "What that event carried; a message as it is now"})
    created_at = fields.DateTime()


class EventPageSchema(Schema):
    items = fields.List(fields.Nested(ConversationEventSchema))
    has_more = fields.Boolean(metadata={"description": "More changes follow: ask again after the last event_seq"})


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


class ConversationParticipantSchema(ParticipantSchema):
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
    last_event_seq = fields.Integer(attribute="conversation.last_event_seq", metadata={
        "description": "The newest change in the conversation's log (GET /conversations/{id}/events)"})
    archived = fields.Function(lambda summary: summary.participant.archived_at is not None)
    muted = fields.Boolean(attribute="participant.muted")
    last_read_seq = fields.Integer(attribute="participant.last_read_seq")
    unread_count = fields.Integer(metadata={"description": "Messages from others after your read position"})
    unread_mention_count = fields.Integer(metadata={"description": "Those of them that mention you"})
    last_message = fields.Nested(MessageSchema, allow_none=True)


class ConversationDetailSchema(ConversationSchema):
    participants = fields.List(fields.Nested(ConversationParticipantSchema))


class ConversationPageSchema(Schema):
    items = fields.List(fields.Nested(ConversationSchema))
    next_cursor = fields.String(allow_none=True)


class ArchiveStateSchema(Schema):
    conversation_id = fields.Integer()
    archived = fields.Function(lambda participant: participant.archived_at is not None)
    archived_at = fields.DateTime(allow_none=True)
