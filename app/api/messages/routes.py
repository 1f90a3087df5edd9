from flask_jwt_extended import jwt_required

from app.api.messages.schemas import (EditMessageSchema, HistorySchema, ReceiptsSchema, SearchQuerySchema,
                                      SearchResultsSchema)
from app.api.openapi import produces
from app.api.parser import Blueprint
from app.auth.tokens import current_user_id
from app.schemas.messages import MessageSchema, ReadPositionSchema
from app.services import message_edits, messages, reactions, search
from app.services.receipts import message_receipts

blp = Blueprint("messages", __name__, url_prefix="/messages", description="Messages across conversations")


@blp.route("/search")
@jwt_required()
@blp.arguments(SearchQuerySchema, location="query")
@blp.response(200, SearchResultsSchema)
@blp.doc(**produces(message_id="/items/0/message/id", conversation_id="/items/0/message/conversation_id"))
def search_all(query):
    """Full-text search across all of the caller's conversations, with highlighted snippets.

    Best matches first; newest first when more than 1,000 messages match (docs/api.md, Search).
    """
    hits, next_cursor = search.search_messages(current_user_id(), **query)
    return {"items": hits, "next_cursor": next_cursor}


@blp.route("/<int:message_id>/read", methods=["PATCH"])
@jwt_required()
@blp.response(200, ReadPositionSchema)
def mark_read(message_id):
    """Move the caller's read position to this message (never backwards; idempotent)."""
    return messages.mark_read(current_user_id(), message_id)


@blp.route("/<int:message_id>", methods=["DELETE"])
@jwt_required()
@blp.response(200, MessageSchema)
@blp.alt_response(403, description="Neither the sender nor an admin of the group; or a system message")
def delete(message_id):
    """Delete a message, yours or (admins) any of your group's: its text, earlier versions and reactions
    are cleared, its images removed later. Idempotent."""
    return messages.delete_message(current_user_id(), message_id)


@blp.route("/<int:message_id>", methods=["PATCH"])
@jwt_required()
@blp.arguments(EditMessageSchema, examples={"edit": {"value": {"content": "See you at 9?"}}})
@blp.response(200, MessageSchema)
@blp.alt_response(403, description="Not the sender; a system message; or past MESSAGE_EDIT_WINDOW_SECONDS")
@blp.alt_response(409, description="The message is deleted")
def edit(data, message_id):
    """Edit your message's text (the rules of sending apply); the text it replaces is kept in its history."""
    return message_edits.edit_message(current_user_id(), message_id, data["content"])


@blp.route("/<int:message_id>/history")
@jwt_required()
@blp.response(200, HistorySchema)
def history(message_id):
    """The texts the message has had, oldest first, with when each was written."""
    return {"items": message_edits.message_history(current_user_id(), message_id)}


@blp.route("/<int:message_id>/reactions/<emoji>", methods=["PUT"])
@jwt_required()
@blp.response(200, MessageSchema)
@blp.alt_response(409, description="The message is deleted")
@blp.alt_response(422, description="Not one emoji, or a 21st different emoji on the message")
def react(message_id, emoji):
    """React with one emoji (URL-encoded); reacting again changes nothing."""
    return reactions.add_reaction(current_user_id(), message_id, emoji)


@blp.route("/<int:message_id>/reactions/<emoji>", methods=["DELETE"])
@jwt_required()
@blp.response(200, MessageSchema)
@blp.alt_response(409, description="The message is deleted")
@blp.alt_response(422, description="Not one emoji")
def unreact(message_id, emoji):
    """Take back your reaction; taking it back again changes nothing."""
    return reactions.remove_reaction(current_user_id(), message_id, emoji)


@blp.route("/<int:message_id>/receipts")
@jwt_required()
@blp.response(200, ReceiptsSchema)
def receipts(message_id):
    """Seen by: the other participants whose read (delivery) position has reached the message."""
    return message_receipts(current_user_id(), message_id)
