from flask_jwt_extended import jwt_required

from app.api.conversations.schemas import (AddParticipantsSchema, ArchiveSchema, ArchiveStateSchema,
                                           ConversationDetailSchema, ConversationListQuerySchema,
                                           ConversationPageSchema, CreateConversationSchema, EventPageSchema,
                                           EventQuerySchema, MuteSchema, MuteStateSchema, RoleSchema,
                                           UpdateConversationSchema)
from app.api.messages.schemas import (MessagePageQuerySchema, MessagePageSchema, SearchQuerySchema,
                                      SearchResultsSchema)
from app.api.openapi import RATE_LIMIT_HEADERS, headers, link, produces
from app.api.parser import Blueprint
from app.auth.tokens import current_user_id
from app.schemas.conversations import ParticipantSchema
from app.schemas.messages import MessageSchema, SendMessageSchema
from app.services import conversations, event_log, membership, messages, presence, search

blp = Blueprint("conversations", __name__, url_prefix="/conversations",
                description="Conversations and their messages. Non-participants get 404 for everything.")


@blp.route("", methods=["POST"])
@jwt_required()
@blp.arguments(CreateConversationSchema, examples={
    "direct": {"value": {"participant_ids": [2]}},
    "group": {"value": {"participant_ids": [2, 3], "title": "Weekend trip"}}})
@blp.response(201, ConversationDetailSchema)
@blp.alt_response(200, schema=ConversationDetailSchema, description="The existing direct conversation")
@blp.doc(**produces(conversation_id="/id"))
@blp.doc(**link("conversations_send", [200, 201], parameters={"conversation_id": "$response.body#/id"},
                body={"content": "hello"}))
def create(data):
    """Start a direct conversation (one other participant, no title) or a group."""
    me = current_user_id()
    conversation, created = conversations.create_conversation(me, data["participant_ids"], data.get("title"))
    return presence.attach_presence(conversations.conversation_summary(me, conversation.id)), 201 if created else 200


@blp.route("", methods=["GET"])
@jwt_required()
@blp.arguments(ConversationListQuerySchema, location="query")
@blp.response(200, ConversationPageSchema)
@blp.doc(**produces(conversation_id="/items/0/id"))
def index(query):
    """The caller's conversations, most recent activity first, with unread counts and a preview."""
    items, next_cursor = conversations.list_conversations(current_user_id(), **query)
    return {"items": items, "next_cursor": next_cursor}


@blp.route("/<int:conversation_id>")
@jwt_required()
@blp.response(200, ConversationDetailSchema)
def show(conversation_id):
    """One conversation with its participants, their roles and read positions."""
    return _detail(conversation_id)


def _detail(conversation_id):
    return presence.attach_presence(conversations.conversation_summary(current_user_id(), conversation_id))


NOT_AN_ADMIN = "A participant who is not an admin of the group"


@blp.route("/<int:conversation_id>", methods=["PATCH"])
@jwt_required()
@blp.arguments(UpdateConversationSchema, examples={"title": {"value": {"title": "Weekend trip"}}})
@blp.response(200, ConversationDetailSchema)
@blp.alt_response(403, description=NOT_AN_ADMIN)
def update(data, conversation_id):
    """Rename a group (admins). A direct conversation has no title to change: 422."""
    membership.set_title(current_user_id(), conversation_id, data["title"])
    return _detail(conversation_id)


@blp.route("/<int:conversation_id>/participants", methods=["POST"])
@jwt_required()
@blp.arguments(AddParticipantsSchema, examples={"add": {"value": {"user_ids": [3]}}})
@blp.response(200, ConversationDetailSchema)
@blp.alt_response(403, description=NOT_AN_ADMIN)
def add_participants(data, conversation_id):
    """Add users to a group (admins): they see its whole history. Direct conversations: 422."""
    membership.add_participants(current_user_id(), conversation_id, data["user_ids"])
    return _detail(conversation_id)


@blp.route("/<int:conversation_id>/participants/<int:user_id>", methods=["DELETE"])
@jwt_required()
@blp.response(204)
@blp.alt_response(403, description="A participant who is not an admin, removing someone else")
@blp.alt_response(422, description="A direct conversation: its two participants stay")
def remove_participant(conversation_id, user_id):
    """Remove a participant (admins), or leave (your own id). Direct conversations: 422."""
    membership.remove_participant(current_user_id(), conversation_id, user_id)


@blp.route("/<int:conversation_id>/participants/<int:user_id>", methods=["PATCH"])
@jwt_required()
@blp.arguments(RoleSchema, examples={"promote": {"value": {"role": "admin"}}})
@blp.response(200, ParticipantSchema)
@blp.alt_response(403, description=NOT_AN_ADMIN)
def set_role(data, conversation_id, user_id):
    """Make a participant an admin or a member (admins). The last admin cannot step down: 422."""
    return membership.set_role(current_user_id(), conversation_id, user_id, data["role"])


@blp.route("/<int:conversation_id>/events")
@jwt_required()
@blp.arguments(EventQuerySchema, location="query")
@blp.response(200, EventPageSchema)
def events(query, conversation_id):
    """The conversation's changes after event_seq `after`, in order: replay them, then go live."""
    items, has_more = event_log.events_after(current_user_id(), conversation_id, **query)
    return {"items": items, "has_more": has_more}


@blp.route("/<int:conversation_id>/archive", methods=["PATCH"])
@jwt_required()
@blp.arguments(ArchiveSchema, required=False)
@blp.response(200, ArchiveStateSchema)
def archive(data, conversation_id):
    """Archive (or, with {"archived": false}, unarchive) for the caller only."""
    return conversations.set_archived(current_user_id(), conversation_id, data.get("archived", True))


@blp.route("/<int:conversation_id>/mute", methods=["PATCH"])
@jwt_required()
@blp.arguments(MuteSchema, required=False)
@blp.response(200, MuteStateSchema)
def mute(data, conversation_id):
    """Mute (or, with {"muted": false}, unmute) for the caller only: no push notifications while muted."""
    return conversations.set_muted(current_user_id(), conversation_id, data.get("muted", True))


@blp.route("/<int:conversation_id>/messages", methods=["POST"])
@jwt_required()
@blp.arguments(SendMessageSchema, examples={
    "text": {"value": {"content": "See you at 8?", "client_message_id": "web-3f2a-1"}},
    "image": {"value": {"image_ids": [1]}}})
@blp.response(201, MessageSchema, headers=headers(*RATE_LIMIT_HEADERS))
@blp.alt_response(200, schema=MessageSchema, description="A retry: the message first stored with this client_message_id")
@blp.alt_response(409, description="client_message_id was already used for a message in another conversation")
@blp.alt_response(429, description="Sending limit reached: retry after Retry-After seconds",
                  headers=headers("Retry-After", *RATE_LIMIT_HEADERS))
@blp.doc(**produces(message_id="/id"))
def send(data, conversation_id):
    """Send a message: text, images (image_ids from POST /conversations/{id}/images), or both."""
    result = messages.send_message(current_user_id(), conversation_id, data["content"],
                                   data.get("client_message_id"), data["image_ids"], data.get("reply_to_id"),
                                   door="rest")
    headers = result.quota.headers() if result.quota else {}
    return result.message, 201 if result.created else 200, headers


@blp.route("/<int:conversation_id>/messages", methods=["GET"])
@jwt_required()
@blp.arguments(MessagePageQuerySchema, location="query")
@blp.response(200, MessagePageSchema)
@blp.doc(**produces(message_id="/items/0/id"))
def history(query, conversation_id):
    """Messages by seq, oldest first. Page back with before=<first seq>, forward with after=<last seq>."""
    items, has_more = messages.list_messages(current_user_id(), conversation_id, **query)
    return {"items": items, "has_more": has_more}


@blp.route("/<int:conversation_id>/messages/search")
@jwt_required()
@blp.arguments(SearchQuerySchema, location="query")
@blp.response(200, SearchResultsSchema)
def search_in_conversation(query, conversation_id):
    """Full-text search within one conversation, with highlighted snippets.

    Best matches first; newest first when more than 1,000 messages match (docs/api.md, Search).
    """
    hits, next_cursor = search.search_messages(current_user_id(), conversation_id=conversation_id, **query)
    return {"items": hits, "next_cursor": next_cursor}
